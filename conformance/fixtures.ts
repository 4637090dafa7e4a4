// The fixture catalog the official conformance suite (@modelcontextprotocol/conformance) calls by
// name: its server scenarios expect exactly these tools, resources and prompts, with these replies
// (see its examples/servers/typescript/everything-server.ts). Served only by the conformance profile
// (conformance/worker.ts), never by the production Worker.
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import * as z from "zod/v4";
import type { ElicitationSchema, ServerContext } from "../src/context";
import type { Catalog } from "../src/mcp/register";
import { definePrompt, type PromptDefinition } from "../src/prompts/define";
import { defineResource, defineResourceTemplate } from "../src/resources/define";
import { defineTool, type ToolDefinition, type ToolOutput } from "../src/tools/define";

/** A 1x1 red PNG. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/** A minimal WAV file. */
const WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

const hints = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };
const noInput = z.object({});

function channelOf(ctx: ServerContext) {
  if (!ctx.channel) throw new Error("the host offers no channel back to the client");
  return ctx.channel;
}

async function elicitation(ctx: ServerContext, message: string, schema: ElicitationSchema) {
  const result = await channelOf(ctx).elicit(message, schema);
  return `action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
}

/** A fixture tool that takes no arguments. */
function noInputTool(
  name: string,
  description: string,
  handler: (ctx: ServerContext) => Promise<ToolOutput>,
) {
  return defineTool({
    name,
    title: name,
    description,
    inputSchema: noInput,
    annotations: hints,
    handler: (_params, ctx) => handler(ctx),
  });
}

/** A tool that always gives the same reply. */
function fixedReply(name: string, description: string, output: ToolOutput) {
  return noInputTool(name, description, async () => output);
}

/** A tool that asks the user to fill in a form with these fields, none of them required. */
function formElicitation(
  name: string,
  description: string,
  message: string,
  properties: ElicitationSchema["properties"],
) {
  return noInputTool(name, description, async (ctx) => {
    const schema: ElicitationSchema = { type: "object", properties, required: [] };
    return { text: `Elicitation completed: ${await elicitation(ctx, message, schema)}` };
  });
}

const fixtureTools = [
  fixedReply("test_simple_text", "Tests simple text content response", {
    text: "This is a simple text response for testing.",
  }),
  fixedReply("test_image_content", "Tests image content response", {
    text: "A 1x1 PNG image:",
    content: [{ type: "image", data: PNG, mimeType: "image/png" }],
  }),
  fixedReply("test_audio_content", "Tests audio content response", {
    text: "A short WAV clip:",
    content: [{ type: "audio", data: WAV, mimeType: "audio/wav" }],
  }),
  fixedReply("test_embedded_resource", "Tests embedded resource content response", {
    text: "An embedded resource:",
    content: [
      {
        type: "resource",
        resource: {
          uri: "test://embedded-resource",
          mimeType: "text/plain",
          text: "This is an embedded resource content.",
        },
      },
    ],
  }),
  fixedReply(
    "test_multiple_content_types",
    "Tests response with multiple content types (text, image, resource)",
    {
      text: "Multiple content types test:",
      content: [
        { type: "image", data: PNG, mimeType: "image/png" },
        {
          type: "resource",
          resource: {
            uri: "test://mixed-content-resource",
            mimeType: "application/json",
            text: JSON.stringify({ test: "data", value: 123 }),
          },
        },
      ],
    },
  ),
  fixedReply("test_reconnection", "Tests SSE stream polling (SEP-1699): answers on the request's stream.", {
    text: "Reconnection test completed successfully.",
  }),
  noInputTool(
    "test_tool_with_logging",
    "Tests tool that emits log messages during execution",
    async (ctx) => {
      const channel = channelOf(ctx);
      await channel.log("info", "Tool execution started");
      await channel.log("info", "Tool processing data");
      await channel.log("info", "Tool execution completed");
      return { text: "Tool with logging executed successfully" };
    },
  ),
  noInputTool("test_tool_with_progress", "Tests tool that reports progress notifications", async (ctx) => {
    const channel = channelOf(ctx);
    for (const step of [0, 50, 100]) await channel.progress(step, 100, `Completed step ${step} of 100`);
    return { text: "Progress reported: 0, 50 and 100 of 100." };
  }),
  noInputTool("test_error_handling", "Tests error response handling", async () => {
    throw new Error("This tool intentionally returns an error for testing");
  }),
  defineTool({
    name: "test_sampling",
    title: "Sampling",
    description: "Tests server-initiated sampling (LLM completion request)",
    inputSchema: z.object({ prompt: z.string().describe("The prompt to send to the LLM") }),
    annotations: hints,
    async handler({ prompt }, ctx) {
      return { text: `LLM response: ${await channelOf(ctx).sample(prompt, 100)}` };
    },
  }),
  defineTool({
    name: "test_elicitation",
    title: "Elicitation",
    description: "Tests server-initiated elicitation (user input request)",
    inputSchema: z.object({ message: z.string().describe("The message to show the user") }),
    annotations: hints,
    async handler({ message }, ctx) {
      const schema: ElicitationSchema = {
        type: "object",
        properties: { response: { type: "string", description: "User's response" } },
        required: ["response"],
      };
      return { text: `User response: ${await elicitation(ctx, message, schema)}` };
    },
  }),
  formElicitation(
    "test_elicitation_sep1034_defaults",
    "Tests elicitation with default values per SEP-1034",
    "Please review and update the form fields with defaults",
    {
      name: { type: "string", description: "User name", default: "John Doe" },
      age: { type: "integer", description: "User age", default: 30 },
      score: { type: "number", description: "User score", default: 95.5 },
      status: {
        type: "string",
        description: "User status",
        enum: ["active", "inactive", "pending"],
        default: "active",
      },
      verified: { type: "boolean", description: "Verification status", default: true },
    },
  ),
  formElicitation(
    "test_elicitation_sep1330_enums",
    "Tests elicitation with enum schema improvements per SEP-1330",
    "Please select options from the enum fields",
    {
      untitledSingle: {
        type: "string",
        description: "Select one option",
        enum: ["option1", "option2", "option3"],
      },
      titledSingle: {
        type: "string",
        description: "Select one option with titles",
        oneOf: [
          { const: "value1", title: "First Option" },
          { const: "value2", title: "Second Option" },
          { const: "value3", title: "Third Option" },
        ],
      },
      legacyEnum: {
        type: "string",
        description: "Select one option (legacy)",
        enum: ["opt1", "opt2", "opt3"],
        enumNames: ["Option One", "Option Two", "Option Three"],
      },
      untitledMulti: {
        type: "array",
        description: "Select multiple options",
        minItems: 1,
        maxItems: 3,
        items: { type: "string", enum: ["option1", "option2", "option3"] },
      },
      titledMulti: {
        type: "array",
        description: "Select multiple options with titles",
        minItems: 1,
        maxItems: 3,
        items: {
          anyOf: [
            { const: "value1", title: "First Choice" },
            { const: "value2", title: "Second Choice" },
            { const: "value3", title: "Third Choice" },
          ],
        },
      },
    },
  ),
  defineTool({
    name: "json_schema_2020_12_tool",
    title: "JSON Schema 2020-12",
    description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
    inputSchema: z.strictObject({
      name: z.string().optional().describe("A name."),
      address: z
        .object({ street: z.string().optional(), city: z.string().optional() })
        .meta({ id: "address" })
        .optional()
        .describe("An address."),
    }),
    annotations: hints,
    handler: async (params) => ({ text: `JSON Schema 2020-12 tool called with: ${JSON.stringify(params)}` }),
  }),
];

const fixtureResources = [
  defineResource({
    name: "static-text",
    title: "Static Text Resource",
    description: "A static text resource for testing",
    uri: "test://static-text",
    mimeType: "text/plain",
    read: async () => "This is the content of the static text resource.",
  }),
  defineResource({
    name: "static-binary",
    title: "Static Binary Resource",
    description: "A static binary resource (image) for testing",
    uri: "test://static-binary",
    mimeType: "image/png",
    read: async () => ({ blob: PNG }),
  }),
  defineResource({
    name: "watched-resource",
    title: "Watched Resource",
    description: "A resource clients may subscribe to",
    uri: "test://watched-resource",
    mimeType: "text/plain",
    subscribable: true,
    read: async () => "Watched resource content",
  }),
];

const fixtureTemplate = defineResourceTemplate({
  name: "template",
  title: "Resource Template",
  description: "A resource template with parameter substitution",
  uriTemplate: "test://template/{id}/data",
  mimeType: "application/json",
  read: async ({ id }) => JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
});

const fixturePrompts = [
  definePrompt({
    name: "test_simple_prompt",
    title: "Simple Test Prompt",
    description: "A simple prompt without arguments",
    argsSchema: z.object({}),
    build: () => "This is a simple prompt for testing.",
  }),
  definePrompt({
    name: "test_prompt_with_arguments",
    title: "Prompt With Arguments",
    description: "A prompt with required arguments",
    argsSchema: z.object({
      // Completable, so completion/complete has something to answer for.
      arg1: completable(z.string().describe("First test argument"), (value) =>
        ["alpha", "beta", "gamma"].filter((option) => option.startsWith(value)),
      ),
      arg2: z.string().describe("Second test argument"),
    }),
    build: ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
  }),
  definePrompt({
    name: "test_prompt_with_embedded_resource",
    title: "Prompt With Embedded Resource",
    description: "A prompt that includes an embedded resource",
    argsSchema: z.object({ resourceUri: z.string().describe("URI of the resource to embed") }),
    build: ({ resourceUri }) => [
      {
        role: "user",
        content: {
          type: "resource",
          resource: {
            uri: resourceUri,
            mimeType: "text/plain",
            text: "Embedded resource content for testing.",
          },
        },
      },
      { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
    ],
  }),
  definePrompt({
    name: "test_prompt_with_image",
    title: "Prompt With Image",
    description: "A prompt that includes image content",
    argsSchema: z.object({}),
    build: () => [
      { role: "user", content: { type: "image", data: PNG, mimeType: "image/png" } },
      { role: "user", content: { type: "text", text: "Please analyze the image above." } },
    ],
  }),
];

/** Everything the conformance suite expects, registered through our own registration. */
export const conformanceCatalog: Catalog = {
  tools: Object.fromEntries(fixtureTools.map((tool) => [tool.name, tool])) as unknown as Record<
    string,
    ToolDefinition
  >,
  resources: fixtureResources,
  resourceTemplates: [fixtureTemplate],
  prompts: fixturePrompts as unknown as PromptDefinition[],
  clientLogging: true,
  listSchemasAs2020: true,
};
