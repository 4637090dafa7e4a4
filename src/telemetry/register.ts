import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as Sentry from "@sentry/cloudflare";
import type { ServerContext } from "../context";
import { UpstreamError, UserInputError } from "../errors";
import type { PromptDefinition } from "../prompts/define";
import type { ResourceTemplateDefinition } from "../resources/define";
import type { ToolDefinition } from "../tools/define";
import { createLogger } from "./logger";
import { argumentsHash, describeArguments } from "./shape";
import { traceFromMeta } from "./trace-context";

/** How the MCP messages reach the server. */
export type TransportName = "streamable-http" | "sse";

/** What the host (the Durable Object) tells the telemetry layer about the current session. */
export interface TelemetryHost {
  /** The tool-facing context without the parts telemetry supplies (logger, organisation). */
  baseContext(): Omit<ServerContext, "logger" | "setOrganization">;
  transport(): TransportName;
  sessionId(): string | undefined;
  /** Record argument values on spans. Off unless the operator turns it on. */
  recordArgumentValues: boolean;
  /** Put the raw error message in replies; only ever true in development. */
  development: boolean;
  /** Keeps the runtime alive until the promise settles (the Durable Object's `ctx.waitUntil`). */
  waitUntil(promise: Promise<unknown>): void;
}

/** Everything the server offers. */
export interface Catalog {
  tools: Readonly<Record<string, ToolDefinition>>;
  resourceTemplates: readonly ResourceTemplateDefinition[];
  prompts: readonly PromptDefinition[];
}

/** How one MCP operation ended, as counted apart in telemetry. */
export type Outcome = "success" | "tool_error" | "upstream_error" | "internal_error";

interface RequestExtra {
  requestId: string | number;
  _meta?: Record<string, unknown> | undefined;
}

interface Observed {
  method: "tools/call" | "resources/read" | "prompts/get";
  target: string;
  attributes: Record<string, string | number | boolean>;
  args: unknown;
}

type Reply = { text: string; isError: boolean; outcome: Outcome };

/**
 * Registers every tool, resource template and prompt with the MCP server, each wrapped so that a call
 * starts a new trace (or continues the caller's from `params._meta.traceparent`), carries the user,
 * client and organisation, records argument shape instead of values, and turns exceptions into replies.
 * Tools never see any of this.
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
      async (args: unknown, extra: RequestExtra) => {
        const reply = await observe(
          host,
          extra,
          {
            method: "tools/call",
            target: tool.name,
            attributes: { "gen_ai.tool.name": tool.name, "gen_ai.operation.name": "execute_tool" },
            args,
          },
          (ctx) => tool.handler(args as never, ctx).then((output) => output.text),
        );
        return { content: [{ type: "text" as const, text: reply.text }], isError: reply.isError };
      },
    );
  }

  for (const resource of catalog.resourceTemplates) {
    server.registerResource(
      resource.name,
      new ResourceTemplate(resource.uriTemplate, { list: undefined }),
      { title: resource.title, description: resource.description, mimeType: resource.mimeType },
      async (uri: URL, variables: Record<string, string | string[]>, extra: RequestExtra) => {
        const flat: Record<string, string> = {};
        for (const [key, value] of Object.entries(variables))
          flat[key] = Array.isArray(value) ? value.join("/") : value;
        const reply = await observe(
          host,
          extra,
          {
            method: "resources/read",
            target: resource.uriTemplate,
            attributes: { "mcp.resource.template": resource.uriTemplate },
            args: flat,
          },
          (ctx) => resource.read(flat, ctx),
        );
        if (reply.isError) throw new ResourceReadError(reply.text);
        return { contents: [{ uri: uri.toString(), mimeType: resource.mimeType, text: reply.text }] };
      },
    );
  }

  for (const prompt of catalog.prompts) {
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: prompt.argsSchema.shape },
      async (args: Record<string, unknown>, extra: RequestExtra) => {
        const reply = await observe(
          host,
          extra,
          {
            method: "prompts/get",
            target: prompt.name,
            attributes: { "gen_ai.prompt.name": prompt.name },
            args,
          },
          async () => prompt.build(args as never),
        );
        if (reply.isError) throw new ResourceReadError(reply.text);
        return {
          messages: [{ role: "user" as const, content: { type: "text" as const, text: reply.text } }],
        };
      },
    );
  }
}

/** Thrown to make the SDK answer a resource or prompt failure as a JSON-RPC error with our text. */
class ResourceReadError extends Error {
  override readonly name = "ResourceReadError";
}

async function observe(
  host: TelemetryHost,
  extra: RequestExtra,
  observed: Observed,
  run: (ctx: ServerContext) => Promise<string>,
): Promise<Reply> {
  const incoming = traceFromMeta(extra._meta);
  const inTrace = (callback: () => Promise<Reply>) =>
    incoming
      ? Sentry.continueTrace({ sentryTrace: incoming.sentryTrace, baggage: incoming.baggage }, callback)
      : Sentry.startNewTrace(callback);
  const reply = await inTrace(() => Sentry.withScope((scope) => execute(host, extra, observed, run, scope)));
  // Legacy SSE messages arrive through an RPC method that no Sentry wrapper flushes at its end, so
  // without this the span and any error wait in the buffer until the session's next message, or
  // are lost. Streamable HTTP runs inside a wrapped WebSocket handler whose boundary flush covers it.
  if (host.transport() === "sse") host.waitUntil(Sentry.flush(2000));
  return reply;
}

async function execute(
  host: TelemetryHost,
  extra: RequestExtra,
  observed: Observed,
  run: (ctx: ServerContext) => Promise<string>,
  scope: Sentry.Scope,
): Promise<Reply> {
  const base = host.baseContext();
  const transport = host.transport();
  const sessionId = host.sessionId();
  const clientFamily = clientFamilyOf(base.client.name);
  scope.setUser({ id: String(base.user.id), username: base.user.login });
  scope.setTags({
    "client.id": base.client.id,
    "client.family": clientFamily,
    "mcp.transport": transport,
    [observed.method === "tools/call" ? "tool.name" : "mcp.target"]: observed.target,
  });

  const attributes: Record<string, string | number | boolean> = {
    "mcp.method.name": observed.method,
    "jsonrpc.request.id": String(extra.requestId),
    "mcp.transport": transport,
    "network.transport": "tcp",
    "client.id": base.client.id,
    "client.family": clientFamily,
    "user.id": String(base.user.id),
    "user.name": base.user.login,
    ...(sessionId ? { "mcp.session.id": sessionId } : {}),
    ...(base.client.name ? { "mcp.client.name": base.client.name.slice(0, 64) } : {}),
    ...(base.client.version ? { "mcp.client.version": base.client.version.slice(0, 32) } : {}),
    ...(observed.method === "tools/call" ? { "tool.name": observed.target } : {}),
    ...observed.attributes,
    ...describeArguments(observed.args),
    "mcp.arguments.hash": argumentsHash(observed.args),
  };
  if (host.recordArgumentValues)
    attributes["mcp.arguments.value"] = JSON.stringify(observed.args ?? {}).slice(0, 2048);

  return Sentry.startSpan(
    { name: `${observed.method} ${observed.target}`, op: "mcp.server", forceTransaction: true, attributes },
    async (span) => {
      const logger = createLogger({ "mcp.method.name": observed.method, "mcp.target": observed.target });
      const ctx: ServerContext = {
        ...base,
        logger,
        setOrganization(slug) {
          const normalised = slug.toLowerCase().slice(0, 39);
          scope.setTag("organization.slug", normalised);
          span.setAttribute("organization.slug", normalised);
        },
      };
      const reply = await runToReply(run, ctx, host.development);
      span.setAttribute("mcp.outcome", reply.outcome);
      span.setAttribute("mcp.result.bytes", new TextEncoder().encode(reply.text).length);
      if (reply.isError) {
        span.setAttribute("error.type", reply.outcome === "internal_error" ? "internal_error" : "tool_error");
        span.setStatus({ code: 2, message: reply.outcome });
      } else {
        span.setStatus({ code: 1 });
      }
      logger.info(`${observed.method} ${observed.target} ${reply.outcome}`, { "mcp.outcome": reply.outcome });
      return reply;
    },
  );
}

async function runToReply(
  run: (ctx: ServerContext) => Promise<string>,
  ctx: ServerContext,
  development: boolean,
): Promise<Reply> {
  try {
    return { text: await run(ctx), isError: false, outcome: "success" };
  } catch (error) {
    if (error instanceof UserInputError) return { text: error.message, isError: true, outcome: "tool_error" };
    if (error instanceof UpstreamError && error.expected) {
      return {
        text: `GitHub refused this (${error.status}). ${error.hint}`,
        isError: true,
        outcome: "upstream_error",
      };
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
    return { text: `${what}${reference}${detail}`, isError: true, outcome: "internal_error" };
  }
}

/** Low-cardinality client family from `clientInfo.name`, for grouping in dashboards. */
export function clientFamilyOf(name: string | undefined): string {
  const n = (name ?? "").toLowerCase();
  if (n.includes("claude")) return "claude";
  if (n.includes("cursor")) return "cursor";
  if (n.includes("visual studio code") || n.includes("vscode")) return "vscode";
  if (n.includes("inspector")) return "inspector";
  if (n.includes("mcp-remote")) return "mcp-remote";
  return "other";
}
