import { AsyncLocalStorage } from "node:async_hooks";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import {
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod/v4";
import type { MediaContent } from "../content";
import type { ClientChannel, ServerContext } from "../context";
import { classifyError, UpstreamError, UserInputError } from "../errors";
import type { PromptDefinition, PromptMessage } from "../prompts/define";
import type { ResourceBody, ResourceDefinition, ResourceTemplateDefinition } from "../resources/define";
import { createLogger } from "../telemetry/logger";
import { ATTR } from "../telemetry/names";
import {
  annotateGrantRevocation,
  annotateOrganization,
  annotateToolCall,
  annotateTruncation,
  type KnownNames,
  type ObservedSession,
  observeNotification,
  observeRequest,
  type Sender,
} from "../telemetry/protocol";
import { reportError } from "../telemetry/report";
import type { ToolDefinition } from "../tools/define";
import { boundText, describeCut, type Truncation } from "./bounds";
import type { RequestExtra } from "./channel";
import { methodNotFound, refuseUnknownTool } from "./protocol-policy";
import { type SdkRequestHandler, wrapSdkHandlers } from "./sdk-adapter";

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

/** The tool-facing context without the parts each request adds (logger, organisation). */
export type BaseContext = Omit<ServerContext, "logger" | "setOrganization">;

/** What the host (the Durable Object) supplies for one session: who it is for, its limits, its telemetry. */
export interface McpHost extends ObservedSession {
  /** Built once per request, when it arrives; throws when the session carries no sign-in. */
  baseContext(): BaseContext;
  /** Put the raw error message in replies; only ever true in development. */
  development: boolean;
  /** The reply bound: the most UTF-8 bytes of text one tool, resource or prompt reply may carry. */
  maxReplyBytes: number;
  /**
   * GitHub refused the session's token (401): revoke the grants it came with, so the client's next
   * request gets 401 and it signs in again. Resolves to how many grants were revoked.
   */
  revokeGrants(): Promise<number>;
  /**
   * Counts one tool call against the user's rate limit; false when the limit is reached, and then
   * the reply is `rateLimitedText` and the handler does not run.
   */
  admitToolCall(): Promise<boolean>;
  /** The retry hint for a call refused by the rate limit. */
  rateLimitedText: string;
  /** The way back to the client for one request, where the host offers one. */
  channel?(extra: RequestExtra): ClientChannel;
}

/**
 * What one request's handlers share: its base context, built once when the request arrived (or the
 * error building it threw). It travels in AsyncLocalStorage, never on an SDK object.
 */
type RequestScope = { base(): BaseContext };
const requestScopes = new AsyncLocalStorage<RequestScope>();

/** A handler's outcome: its text, or the error reply and the JSON-RPC code a failed read or prompt gets. */
type Reply = { text: string; isError: boolean; rpcCode?: number };

/**
 * Registers every tool, resource template and prompt with the MCP server, then has telemetry observe
 * every message (src/telemetry/protocol.ts). Each handler gets the request's ServerContext and has
 * its exceptions turned into replies (the error contract): tools never see any of this.
 */
export function registerCatalog(server: McpServer, host: McpHost, catalog: Catalog): void {
  for (const tool of Object.values(catalog.tools)) registerTool(server, host, tool);
  if (catalog.listSchemasAs2020) listToolsAsJsonSchema2020(server, catalog.tools);

  const subscribable = new Set<string>();
  for (const resource of catalog.resources ?? []) {
    if (resource.subscribable) subscribable.add(resource.uri);
    server.registerResource(
      resource.name,
      resource.uri,
      { title: resource.title, description: resource.description, mimeType: resource.mimeType },
      async (uri, extra) => {
        const body = await readObserved(
          host,
          extra,
          (ctx) => resource.read(ctx),
          () => FIXED_REST,
        );
        return { contents: [contentsOf(uri, resource.mimeType, body)] };
      },
    );
  }
  if (subscribable.size > 0) acceptSubscriptions(server, subscribable);

  for (const resource of resourceVariants(catalog)) {
    server.registerResource(
      resource.name,
      new ResourceTemplate(resource.uriTemplate, { list: undefined }),
      { title: resource.title, description: resource.description, mimeType: resource.mimeType },
      async (uri, variables, extra) => {
        const flat: Record<string, string> = {};
        for (const [key, value] of Object.entries(variables))
          flat[key] = Array.isArray(value) ? value.join("/") : value;
        const { [OFFSET]: rawOffset, ...rest } = flat;
        const offset = rawOffset === undefined ? 0 : Number(rawOffset);
        const whole = uri.toString().split("?")[0];
        const readRest = (cut: Truncation) => ` Read the rest from ${whole}?${OFFSET}=${cut.end}.]`;
        const read = async (ctx: ServerContext) => {
          if (!Number.isSafeInteger(offset) || offset < 0)
            throw new UserInputError("offset must be a whole number of bytes, 0 or more.");
          return resource.read(rest, ctx);
        };
        const body = await readObserved(host, extra, read, readRest, offset);
        return { contents: [contentsOf(uri, resource.mimeType, body)] };
      },
    );
  }

  for (const prompt of catalog.prompts) registerPrompt(server, host, prompt);

  observeMessages(server, host, knownNames(catalog));
}

function registerTool(server: McpServer, host: McpHost, tool: ToolDefinition): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      annotations: { title: tool.title, ...tool.annotations },
    },
    async (args, extra) => {
      if (!(await host.admitToolCall())) return rateLimited(host);
      let media: readonly MediaContent[] = [];
      const reply = await runObserved(host, extra, async (ctx) => {
        const out = await tool.handler(args, ctx);
        media = out.content ?? [];
        return out.text;
      });
      const text = bounded(host, reply.text, () => TOOL_REST);
      const content = [{ type: "text" as const, text }, ...(reply.isError ? [] : media)];
      return { content, isError: reply.isError };
    },
  );
}

function registerPrompt(server: McpServer, host: McpHost, prompt: PromptDefinition): void {
  server.registerPrompt(
    prompt.name,
    { title: prompt.title, description: prompt.description, argsSchema: prompt.argsSchema.shape },
    async (args, extra) => {
      let messages: PromptMessage[] | undefined;
      const reply = await runObserved(host, extra, async () => {
        const built = prompt.build(args);
        if (typeof built === "string") return built;
        messages = built;
        return textOf(built);
      });
      const text = bounded(host, reply.text, () => PROMPT_REST);
      if (reply.isError) throw new McpError(reply.rpcCode ?? -32603, text);
      if (messages) return { messages: boundedMessages(host, messages) };
      return {
        messages: [{ role: "user" as const, content: { type: "text" as const, text } }],
      };
    },
  );
}

/**
 * Every message the server handles is observed (one span each): requests get their base context
 * built here, once, and the protocol policy (unknown tools and methods) applies inside the span, so
 * the span records the JSON-RPC error it answers with.
 */
function observeMessages(server: McpServer, host: McpHost, known: KnownNames): void {
  const answer =
    (method: string, handle: SdkRequestHandler): SdkRequestHandler =>
    (request, extra) => {
      const { scope, sender } = arrive(host);
      return requestScopes.run(scope, () =>
        observeRequest({ method, request, extra }, sender, host, known, () => handle(request, extra)),
      );
    };
  wrapSdkHandlers(server, {
    request: (method, handler) =>
      answer(method, async (request, extra) => {
        refuseUnknownTool(request, known.tools);
        return handler(request, extra);
      }),
    notification: (method, handler) => (notification) =>
      observeNotification(method, host, () => handler(notification)),
    fallback: answer("unknown", methodNotFound),
  });
}

/** The request's scope, with its base context built once, and who sent it (unknown without a sign-in). */
function arrive(host: McpHost): { scope: RequestScope; sender: Sender | undefined } {
  try {
    const base = host.baseContext();
    return { scope: { base: () => base }, sender: { user: base.user, client: base.client } };
  } catch (error) {
    return {
      scope: {
        base: () => {
          throw error;
        },
      },
      sender: undefined,
    };
  }
}

/** The query variable of the ranged variant of each resource template. */
const OFFSET = "offset";
const TOOL_REST =
  " To see the rest, ask for less at a time: a later or smaller page (page, perPage) or a narrower query, where the tool takes them.]";
const PROMPT_REST = " Shorten the arguments to get the whole prompt.]";
const FIXED_REST = " This resource cannot be read in parts.]";

/**
 * Each resource template twice: as declared, and with `{?offset}` so a reply cut at the bound can be
 * read on from where it stopped. Resources never see the offset; the bound applies it.
 */
function resourceVariants(catalog: Catalog): ResourceTemplateDefinition[] {
  return catalog.resourceTemplates.flatMap((resource) => [
    resource,
    {
      ...resource,
      name: `${resource.name}_from_offset`,
      title: `${resource.title}, from a byte offset`,
      uriTemplate: `${resource.uriTemplate}{?${OFFSET}}`,
      description: `${resource.description} From a UTF-8 byte offset on: reads the rest of a reply cut at the size limit.`,
    },
  ]);
}

/** Applies the reply bound and notes a cut on the request, for its span and metrics. */
function bounded(host: McpHost, text: string, rest: (cut: Truncation) => string, offset = 0): string {
  const limit = host.maxReplyBytes;
  const out = boundText(text, limit, (cut) => `\n\n${describeCut(cut, limit)}${rest(cut)}`, offset);
  if (out.truncation) annotateTruncation(out.truncation);
  return out.text;
}

/** The reply to a tool call the per-user rate limit refused before its handler ran. */
function rateLimited(host: McpHost) {
  annotateToolCall("rate_limited", "rate_limited");
  return { content: [{ type: "text" as const, text: host.rateLimitedText }], isError: true };
}

/**
 * Runs a resource read observed and bounds its text (from `offset`, where a ranged read starts); a
 * blob passes as read. A failure becomes a JSON-RPC error carrying the reply text.
 */
async function readObserved(
  host: McpHost,
  extra: RequestExtra,
  read: (ctx: ServerContext) => Promise<ResourceBody>,
  rest: (cut: Truncation) => string,
  offset = 0,
): Promise<ResourceBody> {
  let body: ResourceBody = "";
  const reply = await runObserved(host, extra, async (ctx) => {
    body = await read(ctx);
    return typeof body === "string" ? body : "";
  });
  if (reply.isError) throw new McpError(reply.rpcCode ?? -32603, bounded(host, reply.text, rest));
  return typeof body === "string" ? bounded(host, reply.text, rest, offset) : body;
}

function contentsOf(uri: URL, mimeType: string, body: ResourceBody) {
  return typeof body === "string"
    ? { uri: uri.toString(), mimeType, text: body }
    : { uri: uri.toString(), mimeType, blob: body.blob };
}

/** Prompt messages with each text within the reply bound; media pass as built. */
function boundedMessages(host: McpHost, messages: readonly PromptMessage[]) {
  return messages.map((message) =>
    message.content.type === "text"
      ? {
          ...message,
          content: {
            ...message.content,
            text: bounded(host, message.content.text, () => PROMPT_REST),
          },
        }
      : message,
  );
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
  // The SDK's own RFC 6570 matcher, the one it routes resources/read with.
  const templates = resourceVariants(catalog).map((resource) => ({
    template: resource.uriTemplate,
    matcher: new UriTemplate(resource.uriTemplate),
  }));
  const fixed = new Set((catalog.resources ?? []).map((resource) => resource.uri));
  return {
    tools: new Set(Object.keys(catalog.tools)),
    prompts: new Set(catalog.prompts.map((prompt) => prompt.name)),
    templateFor: (uri) =>
      fixed.has(uri) ? uri : templates.find((entry) => entry.matcher.match(uri) !== null)?.template,
    argumentKeys(kind, name) {
      if (kind === "tool") {
        const tool = catalog.tools[name];
        return tool ? Object.keys(tool.inputSchema.shape) : undefined;
      }
      const prompt = catalog.prompts.find((entry) => entry.name === name);
      return prompt ? Object.keys(prompt.argsSchema.shape) : undefined;
    },
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

/**
 * Runs a handler with the request's ServerContext (built when the request arrived) and turns what it
 * throws into a reply; telemetry is told how it ended.
 */
async function runObserved(
  host: McpHost,
  extra: RequestExtra,
  run: (ctx: ServerContext) => Promise<string>,
): Promise<Reply> {
  // No scope only when the SDK's internals moved and messages go unobserved (see sdk-adapter.ts).
  const scope = requestScopes.getStore();
  const ctx: ServerContext = {
    ...(scope ? scope.base() : host.baseContext()),
    logger: createLogger({ [ATTR.SESSION_ID]: host.sessionId() ?? "none" }),
    setOrganization: annotateOrganization,
    channel: host.channel?.(extra),
  };
  try {
    const text = await run(ctx);
    annotateToolCall("success");
    return { text, isError: false };
  } catch (error) {
    if (error instanceof UpstreamError && error.reason === "unauthorized") await revokeGrants(host);
    const reply = toReply(error, host.development);
    annotateToolCall("tool_error", reply.kind);
    return { text: reply.text, isError: true, rpcCode: reply.rpcCode };
  }
}

/**
 * GitHub no longer accepts the token behind this session, so the grant holding it is dead: revoke it
 * before replying, so the client's very next request is refused and it signs in afresh instead of
 * looping. A failure to revoke is reported; the reply still says to reconnect.
 */
async function revokeGrants(host: McpHost) {
  try {
    annotateGrantRevocation(await host.revokeGrants());
  } catch (error) {
    reportError(error, classifyError(error), "mcp.grant_revocation");
  }
}

/**
 * The MCP edge of the error contract (src/errors.ts decides): the caller's mistakes and GitHub's 4xx
 * are explained and not reported; everything else is reported, and the reply carries the Event ID (the
 * trace id with OTLP only) and
 * nothing internal (the raw message only in development).
 */
function toReply(error: unknown, development: boolean): { text: string; kind: string; rpcCode: number } {
  const verdict = classifyError(error);
  const reported = reportError(error, verdict, "mcp.tool");
  const reference = reported ? ` ${reported.label}: ${reported.id}` : "";
  const detail =
    development && verdict.report !== "never" && error instanceof Error
      ? `\n(development) ${error.name}: ${error.message}`
      : "";
  return { text: `${verdict.text}${reference}${detail}`, kind: verdict.kind, rpcCode: verdict.rpcCode };
}
