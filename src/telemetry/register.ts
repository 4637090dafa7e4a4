import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type ServerNotification,
  type ServerRequest,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import * as Sentry from "@sentry/cloudflare";
import { z } from "zod";
import type { MediaContent } from "../content";
import type { ServerContext } from "../context";
import { UpstreamError, UserInputError } from "../errors";
import type { PromptDefinition, PromptMessage } from "../prompts/define";
import type { ResourceBody, ResourceDefinition, ResourceTemplateDefinition } from "../resources/define";
import type { ToolDefinition } from "../tools/define";
import { createLogger } from "./logger";
import {
  instrumentProtocol,
  type KnownNames,
  type RequestState,
  requestStateOf,
  type TelemetryHost,
} from "./protocol";

/** Everything the server offers. */
export interface Catalog {
  tools: Readonly<Record<string, ToolDefinition>>;
  resourceTemplates: readonly ResourceTemplateDefinition[];
  /** Resources at fixed URIs, listed by resources/list. */
  resources?: readonly ResourceDefinition[];
  prompts: readonly PromptDefinition[];
  /** The server declares MCP logging, so `ctx.channel.log` reaches the client. */
  clientLogging?: boolean;
  /**
   * tools/list renders input schemas in JSON Schema 2020-12 (MCP 2025-11-25's default dialect, with
   * `$defs` kept) instead of the SDK's draft-07, which older clients expect.
   */
  listSchemasAs2020?: boolean;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

type Reply = { text: string; isError: boolean };

/**
 * Registers every tool, resource template and prompt with the MCP server and instruments the
 * protocol around them. Each handler runs inside its request's span (see protocol.ts), with the
 * user, client and organisation bound, and with exceptions turned into replies: tools never see
 * any of this.
 */
export function registerCatalog(server: McpServer, host: TelemetryHost, catalog: Catalog): void {
  for (const tool of Object.values(catalog.tools)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: unknown, extra: Extra) => {
        let media: readonly MediaContent[] = [];
        const reply = await runObserved(host, extra, async (ctx) => {
          const out = await tool.handler(args as never, ctx);
          media = out.content ?? [];
          return out.text;
        });
        const content = [{ type: "text" as const, text: reply.text }, ...(reply.isError ? [] : media)];
        return { content, isError: reply.isError };
      },
    );
  }
  if (catalog.listSchemasAs2020) listToolsAsJsonSchema2020(server, catalog.tools);

  const subscribable = new Set<string>();
  for (const resource of catalog.resources ?? []) {
    if (resource.subscribable) subscribable.add(resource.uri);
    server.registerResource(
      resource.name,
      resource.uri,
      { title: resource.title, description: resource.description, mimeType: resource.mimeType },
      async (uri: URL, extra: Extra) => {
        const body = await readObserved(host, extra, (ctx) => resource.read(ctx));
        return { contents: [contentsOf(uri, resource.mimeType, body)] };
      },
    );
  }
  if (subscribable.size > 0) acceptSubscriptions(server, subscribable);

  for (const resource of catalog.resourceTemplates) {
    server.registerResource(
      resource.name,
      new ResourceTemplate(resource.uriTemplate, { list: undefined }),
      { title: resource.title, description: resource.description, mimeType: resource.mimeType },
      async (uri: URL, variables: Record<string, string | string[]>, extra: Extra) => {
        const flat: Record<string, string> = {};
        for (const [key, value] of Object.entries(variables))
          flat[key] = Array.isArray(value) ? value.join("/") : value;
        const body = await readObserved(host, extra, (ctx) => resource.read(flat, ctx));
        return { contents: [contentsOf(uri, resource.mimeType, body)] };
      },
    );
  }

  for (const prompt of catalog.prompts) {
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: prompt.argsSchema.shape },
      async (args: Record<string, unknown>, extra: Extra) => {
        let messages: PromptMessage[] = [];
        const reply = await runObserved(host, extra, async () => {
          const built = prompt.build(args as never);
          messages = typeof built === "string" ? [] : built;
          return typeof built === "string" ? built : textOf(built);
        });
        if (reply.isError) throw new ReplyError(reply.text);
        if (messages.length > 0) return { messages };
        return {
          messages: [{ role: "user" as const, content: { type: "text" as const, text: reply.text } }],
        };
      },
    );
  }

  instrumentProtocol(server, host, knownNames(catalog));
}

/** Makes the SDK answer a failed resource read or prompt as a JSON-RPC error carrying our text. */
class ReplyError extends Error {
  override readonly name = "ReplyError";
}

/** Runs a resource read observed; a failure becomes a JSON-RPC error carrying the reply text. */
async function readObserved(
  host: TelemetryHost,
  extra: Extra,
  read: (ctx: ServerContext) => Promise<ResourceBody>,
): Promise<ResourceBody> {
  let body: ResourceBody = "";
  const reply = await runObserved(host, extra, async (ctx) => {
    body = await read(ctx);
    return typeof body === "string" ? body : "";
  });
  if (reply.isError) throw new ReplyError(reply.text);
  return typeof body === "string" ? reply.text : body;
}

function contentsOf(uri: URL, mimeType: string, body: ResourceBody) {
  return typeof body === "string"
    ? { uri: uri.toString(), mimeType, text: body }
    : { uri: uri.toString(), mimeType, blob: body.blob };
}

/** The text of a prompt's messages, which is what telemetry measures. */
function textOf(messages: readonly PromptMessage[]): string {
  return messages
    .map((message) => (message.content.type === "text" ? message.content.text : ""))
    .filter((text) => text !== "")
    .join("\n");
}

/**
 * tools/list with each input schema in JSON Schema 2020-12, the dialect MCP 2025-11-25 makes the
 * default (the SDK renders draft-07, which renames `$defs` and drops the dialect). Tool calls are
 * still validated by the SDK against the same zod schemas.
 */
function listToolsAsJsonSchema2020(server: McpServer, tools: Catalog["tools"]): void {
  if (Object.keys(tools).length === 0) return;
  const listed = Object.values(tools).map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: z.toJSONSchema(tool.inputSchema, { target: "draft-2020-12", io: "input" }) as {
      type: "object";
    },
    annotations: { title: tool.title, ...tool.annotations },
    // What the SDK lists for a tool registered without task support (the catalog test compares).
    execution: { taskSupport: "forbidden" as const },
  }));
  server.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));
}

/**
 * resources/subscribe and unsubscribe for the subscribable resources, remembered for the session.
 * A URI that is not one of them is the caller's mistake (-32602).
 */
function acceptSubscriptions(server: McpServer, subscribable: ReadonlySet<string>): void {
  const subscribed = new Set<string>();
  const known = (uri: string) => {
    if (!subscribable.has(uri))
      throw new McpError(ErrorCode.InvalidParams, "No subscribable resource has this URI.");
    return uri;
  };
  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscribed.add(known(request.params.uri));
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscribed.delete(known(request.params.uri));
    return {};
  });
}

function knownNames(catalog: Catalog): KnownNames {
  const templates = catalog.resourceTemplates.map((resource) => ({
    template: resource.uriTemplate,
    pattern: new RegExp(
      `^${resource.uriTemplate.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`,
    ),
  }));
  const fixed = new Set((catalog.resources ?? []).map((resource) => resource.uri));
  return {
    tools: new Set(Object.keys(catalog.tools)),
    prompts: new Set(catalog.prompts.map((prompt) => prompt.name)),
    templateFor: (uri) =>
      fixed.has(uri) ? uri : templates.find((entry) => entry.pattern.test(uri))?.template,
    validateArguments(name, args) {
      const tool = catalog.tools[name];
      if (!tool) return { valid: false, path: "", reason: "unknown tool" };
      const parsed = tool.inputSchema.safeParse(args);
      if (parsed.success) return { valid: true };
      const issue = parsed.error.issues[0];
      // The issue's code and our own message, never the input: zod messages name constraints only.
      return {
        valid: false,
        path: (issue?.path ?? []).map(String).join(".").slice(0, 64) || "(root)",
        reason: `${issue?.code ?? "invalid"}: ${issue?.message ?? ""}`.slice(0, 120),
      };
    },
  };
}

/** Runs a handler inside the current request's span and turns what it throws into a reply. */
async function runObserved(
  host: TelemetryHost,
  extra: Extra,
  run: (ctx: ServerContext) => Promise<string>,
): Promise<Reply> {
  const state: RequestState = requestStateOf(extra) ?? {};
  const span = Sentry.getActiveSpan();
  const scope = Sentry.getCurrentScope();
  const ctx: ServerContext = {
    ...(state.base ?? host.baseContext()),
    logger: createLogger({ "mcp.session.id": host.sessionId() ?? "none" }),
    setOrganization(slug) {
      const normalised = slug.toLowerCase().slice(0, 39);
      scope.setTag("organization.slug", normalised);
      span?.setAttribute("organization.slug", normalised);
    },
    channel: host.channel?.(extra),
  };
  try {
    const text = await run(ctx);
    state.toolOutcome = "success";
    return { text, isError: false };
  } catch (error) {
    state.toolOutcome = "tool_error";
    const reply = toReply(error, host.development);
    state.errorKind = reply.kind;
    return { text: reply.text, isError: true };
  }
}

/**
 * The error contract: the caller's mistakes and GitHub's 4xx are explained and not reported;
 * everything else is reported, and the reply carries the Event ID and nothing internal.
 */
function toReply(error: unknown, development: boolean): { text: string; kind: string } {
  if (error instanceof UserInputError) return { text: error.message, kind: "user_input" };
  if (error instanceof UpstreamError && error.expected) {
    return { text: `GitHub refused this (${error.status}). ${error.hint}`, kind: `upstream_${error.reason}` };
  }
  const eventId = Sentry.captureException(error, { mechanism: { type: "mcp.tool", handled: false } });
  const reported = Sentry.getClient()?.getDsn() !== undefined;
  const what =
    error instanceof UpstreamError
      ? `GitHub could not complete this. ${error.hint}`
      : "Something went wrong on our side.";
  const reference = reported ? ` Event ID: ${eventId}` : "";
  const detail =
    development && error instanceof Error ? `\n(development) ${error.name}: ${error.message}` : "";
  const kind = error instanceof UpstreamError ? `upstream_${error.reason}` : "internal";
  return { text: `${what}${reference}${detail}`, kind };
}
