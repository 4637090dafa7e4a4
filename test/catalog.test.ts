// What the registration offers beyond text replies (media, fixed-URI and binary resources, prompt
// messages, subscriptions, JSON Schema 2020-12 listings, and the channel back to the client:
// progress, logging, sampling, elicitation). Exercised with the conformance profile's fixture catalog,
// registered exactly as the Durable Object registers ours, and a real MCP SDK client over an
// in-memory transport.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ProgressNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod/v4";
import { conformanceCatalog } from "../conformance/fixtures";
import { createGitHubClient } from "../src/github/client";
import { ClientChannels } from "../src/mcp/channel";
import { type Catalog, registerCatalog } from "../src/mcp/register";
import { prompts } from "../src/prompts";
import { definePrompt, type PromptDefinition } from "../src/prompts/define";
import { resourceTemplates } from "../src/resources";
import { defineResource } from "../src/resources/define";
import { SessionTracker } from "../src/telemetry/session";
import { tools } from "../src/tools";

const open: Client[] = [];
afterEach(async () => {
  for (const client of open.splice(0)) await client.close();
});

async function serve(
  catalog: Catalog,
  capabilities: ConstructorParameters<typeof Client>[1] = {},
  maxReplyBytes = 262144,
) {
  // The Workers validator, as production uses: ajv is not in the bundle (build/ajv.js).
  const server = new McpServer(
    { name: "catalog-test", version: "0.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const channels = new ClientChannels(server, { logging: catalog.clientLogging === true });
  registerCatalog(
    server,
    {
      baseContext: () => ({
        user: { id: 1, login: "octocat", name: null },
        client: { id: "test-client", name: undefined, version: undefined },
        github: createGitHubClient({ apiBase: "http://api.github.test", token: "unused", timeoutMs: 1000 }),
      }),
      transport: () => "streamable-http",
      sessionId: () => undefined,
      recordArgumentValues: false,
      development: false,
      waitUntil: () => {},
      session: new SessionTracker(),
      channel: (extra) => channels.for(extra),
      maxReplyBytes,
      revokeGrants: async () => 0,
      admitToolCall: async () => true,
      rateLimitedText: "rate limited",
    },
    catalog,
  );
  const client = new Client(
    { name: "catalog-test-client", version: "0.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator(), ...capabilities },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  open.push(client);
  return client;
}

describe("replies beyond text", () => {
  it("puts a tool's media after its text", async () => {
    const client = await serve(conformanceCatalog);
    const result = await client.callTool({ name: "test_multiple_content_types", arguments: {} });
    expect(result.isError).toBe(false);
    expect((result.content as Array<{ type: string }>).map((part) => part.type)).toEqual([
      "text",
      "image",
      "resource",
    ]);
  });

  it("drops the media of a failed tool and keeps the error text", async () => {
    const client = await serve(conformanceCatalog);
    const result = await client.callTool({ name: "test_error_handling", arguments: {} });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: "text", text: "Something went wrong on our side." }]);
  });

  it("lists and reads fixed-URI resources, text and binary", async () => {
    const client = await serve(conformanceCatalog);
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual([
      "test://static-text",
      "test://static-binary",
      "test://watched-resource",
    ]);
    const text = await client.readResource({ uri: "test://static-text" });
    expect(text.contents).toEqual([
      {
        uri: "test://static-text",
        mimeType: "text/plain",
        text: "This is the content of the static text resource.",
      },
    ]);
    const binary = await client.readResource({ uri: "test://static-binary" });
    const [bytes] = binary.contents;
    expect(bytes).toMatchObject({ uri: "test://static-binary", mimeType: "image/png" });
    expect(bytes && "blob" in bytes && atob(bytes.blob).startsWith("\x89PNG")).toBe(true);
  });

  it("expands a prompt into messages that carry media", async () => {
    const client = await serve(conformanceCatalog);
    const result = await client.getPrompt({ name: "test_prompt_with_image" });
    expect(result.messages.map((message) => message.content.type)).toEqual(["image", "text"]);
  });

  it("accepts subscriptions to subscribable resources only", async () => {
    const client = await serve(conformanceCatalog);
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    await expect(client.subscribeResource({ uri: "test://watched-resource" })).resolves.toEqual({});
    await expect(client.unsubscribeResource({ uri: "test://watched-resource" })).resolves.toEqual({});
    await expect(client.subscribeResource({ uri: "test://static-text" })).rejects.toThrow(
      /No subscribable resource has this URI/,
    );
  });

  it("does not declare subscriptions or logging for the production catalog", async () => {
    const client = await serve({ tools, resourceTemplates, prompts });
    const capabilities = client.getServerCapabilities();
    expect(capabilities?.resources?.subscribe).toBeUndefined();
    expect(capabilities?.logging).toBeUndefined();
  });
});

describe("the reply bound on the new reply shapes", () => {
  const long = "x".repeat(5000);
  const catalog: Catalog = {
    tools: {},
    resourceTemplates: [],
    resources: [
      defineResource({
        name: "long",
        title: "Long",
        description: "Too long for the bound.",
        uri: "test://long",
        mimeType: "text/plain",
        read: async () => long,
      }),
    ],
    prompts: [
      definePrompt({
        name: "long_messages",
        title: "Long messages",
        description: "Messages too long for the bound.",
        argsSchema: z.object({}),
        build: () => [
          { role: "user", content: { type: "image", data: "AAAA", mimeType: "image/png" } },
          { role: "user", content: { type: "text", text: long } },
        ],
      }),
    ] as unknown as PromptDefinition[],
  };

  it("cuts a fixed-URI resource's text and says so", async () => {
    const client = await serve(catalog, {}, 1024);
    const [contents] = (await client.readResource({ uri: "test://long" })).contents;
    const text = contents && "text" in contents ? contents.text : "";
    expect(text.length).toBeLessThan(long.length);
    expect(text).toMatch(/\[Truncated: this reply is limited to 1024 bytes.* cannot be read in parts\.\]$/);
  });

  it("cuts the text of prompt messages and keeps their media", async () => {
    const client = await serve(catalog, {}, 1024);
    const { messages } = await client.getPrompt({ name: "long_messages" });
    expect(messages[0]?.content).toEqual({ type: "image", data: "AAAA", mimeType: "image/png" });
    const text = messages[1]?.content.type === "text" ? messages[1].content.text : "";
    expect(text.length).toBeLessThan(long.length);
    expect(text).toMatch(/\[Truncated: .* Shorten the arguments to get the whole prompt\.\]$/);
  });
});

describe("tools/list", () => {
  it("lists input schemas in JSON Schema 2020-12, keeping $defs and additionalProperties", async () => {
    const client = await serve(conformanceCatalog);
    const { tools: listed } = await client.listTools();
    const schema = listed.find((tool) => tool.name === "json_schema_2020_12_tool")?.inputSchema;
    expect(schema).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      additionalProperties: false,
      $defs: { address: { type: "object" } },
      properties: { address: { $ref: "#/$defs/address" } },
    });
  });

  it("lists the same tools, titles and hints in either dialect, draft-07 unless asked", async () => {
    const draft7 = await (await serve({ tools, resourceTemplates, prompts })).listTools();
    const as2020 = await (
      await serve({ tools, resourceTemplates, prompts, listSchemasAs2020: true })
    ).listTools();
    expect(draft7.tools.map((tool) => tool.inputSchema.$schema)).toEqual(
      Object.keys(tools).map(() => "http://json-schema.org/draft-07/schema#"),
    );
    const withoutDialect = (listing: typeof draft7) =>
      listing.tools.map(({ inputSchema: { $schema: _dialect, ...schema }, ...tool }) => ({
        ...tool,
        schema,
      }));
    expect(withoutDialect(as2020)).toEqual(withoutDialect(draft7));
    expect(as2020.tools.map((tool) => tool.inputSchema.$schema)).toEqual(
      Object.keys(tools).map(() => "https://json-schema.org/draft/2020-12/schema"),
    );
  });
});

describe("the channel back to the client", () => {
  it("sends progress only when the client asked for it", async () => {
    const client = await serve(conformanceCatalog);
    const steps: number[] = [];
    await client.request(
      { method: "tools/call", params: { name: "test_tool_with_progress", arguments: {} } },
      CallToolResultSchema,
      { onprogress: (progress) => steps.push(progress.progress) },
    );
    expect(steps).toEqual([0, 50, 100]);
    // Without a progress token nothing may arrive (this handler replaces the SDK's own dispatch).
    const unasked: unknown[] = [];
    client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
      unasked.push(notification);
    });
    const quiet = await client.callTool({ name: "test_tool_with_progress", arguments: {} });
    expect(quiet.isError).toBe(false);
    expect(unasked).toEqual([]);
  });

  it("sends log messages at or above the level the client set", async () => {
    const client = await serve(conformanceCatalog);
    const received: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      received.push(String(notification.params.data));
    });
    await client.callTool({ name: "test_tool_with_logging", arguments: {} });
    expect(received).toEqual(["Tool execution started", "Tool processing data", "Tool execution completed"]);
    received.length = 0;
    await client.setLoggingLevel("warning");
    await client.callTool({ name: "test_tool_with_logging", arguments: {} });
    expect(received).toEqual([]);
  });

  it("asks the client's model (sampling) and the user (elicitation)", async () => {
    const client = await serve(conformanceCatalog, { capabilities: { sampling: {}, elicitation: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      role: "assistant",
      model: "test-model",
      content: { type: "text", text: `echo: ${JSON.stringify(request.params.messages[0]?.content)}` },
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: "accept",
      content: { response: "yes" },
    }));
    const sampled = await client.callTool({ name: "test_sampling", arguments: { prompt: "hi" } });
    expect(sampled.content).toEqual([
      { type: "text", text: 'LLM response: echo: {"type":"text","text":"hi"}' },
    ]);
    const elicited = await client.callTool({ name: "test_elicitation", arguments: { message: "ok?" } });
    expect(elicited.content).toEqual([
      { type: "text", text: 'User response: action=accept, content={"response":"yes"}' },
    ]);
  });

  it("tells the model plainly when the client offers no sampling or elicitation", async () => {
    const client = await serve(conformanceCatalog);
    const sampled = await client.callTool({ name: "test_sampling", arguments: { prompt: "hi" } });
    expect(sampled).toMatchObject({
      isError: true,
      content: [{ type: "text", text: "This MCP client does not offer sampling." }],
    });
    const elicited = await client.callTool({ name: "test_elicitation", arguments: { message: "ok?" } });
    expect(elicited).toMatchObject({
      isError: true,
      content: [{ text: expect.stringMatching(/elicitation/) }],
    });
  });
});
