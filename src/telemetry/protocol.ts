import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import * as Sentry from "@sentry/core";
import type { ServerClient, ServerUser } from "../context";
import { createLogger } from "./logger";
import { recordOperationMetrics, recordTruncation } from "./metrics";
import type { SessionTracker } from "./session";
import { argumentsHash, canonicalJson, describeArguments, hash64 } from "./shape";
import { estimateTokens, TOKEN_ESTIMATOR } from "./tokens";
import { fromTraceparent, type IncomingTrace, traceFromMeta } from "./trace-context";

/** How the MCP messages reach the server: over HTTP (the Worker) or a local process's stdin and stdout. */
export type TransportName = "streamable-http" | "sse" | "stdio";

/** How one MCP operation ended, counted apart. */
export type Outcome =
  | "success"
  | "tool_error"
  | "validation_error"
  | "rate_limited"
  | "protocol_error"
  | "cancelled";

/** What the observed session tells telemetry about itself: how it is reached and what it remembers. */
export interface ObservedSession {
  transport(): TransportName;
  sessionId(): string | undefined;
  session: SessionTracker;
  /** Record argument values on spans. Off unless the operator turns it on. */
  recordArgumentValues: boolean;
  /** Keeps the runtime alive until the promise settles (the Durable Object's `ctx.waitUntil`). */
  waitUntil(promise: Promise<unknown>): void;
}

/** What the catalog tells the protocol layer, so names from clients are only used when known. */
export interface KnownNames {
  tools: ReadonlySet<string>;
  prompts: ReadonlySet<string>;
  /** Matches a resource URI to its template, or undefined. */
  templateFor(uri: string): string | undefined;
  /** The argument names a tool's or prompt's schema declares; undefined when it is not known. */
  argumentKeys(kind: "tool" | "prompt", name: string): readonly string[] | undefined;
  /** Validates a tool's arguments against its schema without running it. */
  validateArguments(
    tool: string,
    args: unknown,
  ): { valid: true } | { valid: false; path: string; reason: string };
}

/** Who sent a message: the signed-in user and the client, when the session has a sign-in. */
export interface Sender {
  user: Pick<ServerUser, "id" | "login">;
  client: ServerClient;
}

/** One MCP request as the SDK hands it to a handler. */
export interface ObservedRequest {
  /** The method the span is named after: the request's, or `unknown` for one no handler serves. */
  method: string;
  request: { method: string; params?: Record<string, unknown> };
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>;
}

/**
 * What the handlers of one request tell its span, set through the `annotate…` functions while the
 * request runs. It travels in AsyncLocalStorage, never on an SDK object.
 */
interface RequestObservation {
  span: Sentry.Span;
  scope: Sentry.Scope;
  /** Set once the tool handler ran; absent means the SDK rejected the call first. */
  toolOutcome?: "success" | "tool_error" | "rate_limited";
  errorKind?: string;
  /** Set when the reply bound cut the reply: the whole text's size. */
  truncation?: { totalBytes: number };
}

const observations = new AsyncLocalStorage<RequestObservation>();
const ESTIMATOR = `${TOKEN_ESTIMATOR.name}@${TOKEN_ESTIMATOR.version}`;

/** How the tool handler of the current request ended, and the error kind when it failed. */
export function annotateToolCall(
  outcome: "success" | "tool_error" | "rate_limited",
  errorKind?: string,
): void {
  const observation = observations.getStore();
  if (!observation) return;
  observation.toolOutcome = outcome;
  if (errorKind !== undefined) observation.errorKind = errorKind;
}

/** The reply bound cut the current request's reply, which was `totalBytes` long. */
export function annotateTruncation(truncation: { totalBytes: number }): void {
  const observation = observations.getStore();
  if (observation) observation.truncation = truncation;
}

/** The organisation or owner the current request acts on, on its span and on its errors. */
export function annotateOrganization(slug: string): void {
  const observation = observations.getStore();
  const normalised = slug.toLowerCase().slice(0, 39);
  (observation?.scope ?? Sentry.getCurrentScope()).setTag("organization.slug", normalised);
  (observation?.span ?? Sentry.getActiveSpan())?.setAttribute("organization.slug", normalised);
}

/** How many grants the current request revoked after GitHub refused the session's token. */
export function annotateGrantRevocation(revoked: number): void {
  observations.getStore()?.span.setAttribute("mcp.grant.revoked", revoked);
}

/**
 * Runs one MCP request inside its span, named `{mcp.method.name} {target}` after the OpenTelemetry
 * MCP conventions, in the caller's trace when `params._meta.traceparent` carries one (else the HTTP
 * request's `traceparent`) and in a new trace otherwise. `handle` answers the request; what it
 * resolves to or throws is the reply, which this only measures.
 */
export function observeRequest(
  message: ObservedRequest,
  sender: Sender | undefined,
  host: ObservedSession,
  known: KnownNames,
  handle: () => Promise<unknown>,
): Promise<unknown> {
  const params = message.request.params ?? {};
  const meta = traceFromMeta(params._meta);
  const http = traceFromHeaders(message.extra.requestInfo?.headers);
  const parent = meta ?? http;
  const run = () =>
    Sentry.withScope((scope) => handleRequest(message, sender, handle, host, known, scope, meta && http));
  return parent
    ? Sentry.continueTrace({ sentryTrace: parent.sentryTrace, baggage: parent.baggage }, run)
    : Sentry.startNewTrace(run);
}

async function handleRequest(
  message: ObservedRequest,
  sender: Sender | undefined,
  handle: () => Promise<unknown>,
  host: ObservedSession,
  known: KnownNames,
  scope: Sentry.Scope,
  linkTo: IncomingTrace | undefined,
): Promise<unknown> {
  const { method, request, extra } = message;
  const params = request.params ?? {};
  // Hashed and token-counted below; computed once.
  const canonical = canonicalJson(params.arguments ?? {});
  const target = targetOf(method, params, known);
  const identity = identify(sender);
  const transport = host.transport();

  scope.setTags({
    "client.id": identity.clientId,
    "client.family": identity.clientFamily,
    "mcp.transport": transport,
  });
  if (identity.user) scope.setUser(identity.user);
  if (method === "tools/call" && target) scope.setTag("tool.name", target);

  const attributes: Record<string, string | number | boolean> = {
    "mcp.method.name": method,
    "mcp.transport": transport,
    // OpenTelemetry's network attributes: HTTP over TCP, or stdio's pipes, which carry no protocol name.
    ...(transport === "stdio"
      ? { "network.transport": "pipe" }
      : { "network.transport": "tcp", "network.protocol.name": "http" }),
    "client.id": identity.clientId,
    "client.family": identity.clientFamily,
    ...(extra.requestId !== undefined ? { "jsonrpc.request.id": String(extra.requestId) } : {}),
    ...sessionAttributes(host, request, extra),
    ...(identity.clientName ? { "mcp.client.name": identity.clientName } : {}),
    ...(identity.clientVersion ? { "mcp.client.version": identity.clientVersion } : {}),
    ...(identity.user ? { "user.id": identity.user.id, "user.name": identity.user.username } : {}),
  };
  const argumentsOf = (kind: "tool" | "prompt") =>
    argumentAttributes(
      canonical,
      params.arguments,
      host,
      target ? known.argumentKeys(kind, target) : undefined,
    );
  if (method === "tools/call") {
    attributes["gen_ai.operation.name"] = "execute_tool";
    if (target) {
      attributes["gen_ai.tool.name"] = target;
      attributes["tool.name"] = target;
    }
    Object.assign(attributes, argumentsOf("tool"));
    if (target) {
      const position = host.session.toolCall(target);
      attributes["mcp.session.call_index"] = position.index;
      if (position.previousTool) attributes["mcp.session.previous_tool"] = position.previousTool;
    }
  } else if (method === "prompts/get") {
    if (target) attributes["gen_ai.prompt.name"] = target;
    Object.assign(attributes, argumentsOf("prompt"));
  } else if (method === "resources/read" && typeof params.uri === "string") {
    if (target) attributes["mcp.resource.template"] = target;
    const uriHash = argumentsHash(params.uri, host.session.salt());
    const read = host.session.resourceRead(uriHash);
    attributes["mcp.resource.uri.hash"] = uriHash;
    attributes["mcp.resource.reread"] = read.reread;
    attributes["mcp.session.reread_count"] = read.rereads;
  } else if (method === "initialize") {
    const info = (params.clientInfo ?? {}) as Record<string, unknown>;
    if (typeof info.name === "string") attributes["mcp.client.name"] = info.name.slice(0, 64);
    if (typeof info.version === "string") attributes["mcp.client.version"] = info.version.slice(0, 32);
    if (typeof info.name === "string") attributes["client.family"] = clientFamilyOf(info.name);
  }

  const name = target ? `${method} ${target}` : method;
  const started = Date.now();
  let outcome: Outcome = "success";
  let resultBytes: number | undefined;
  let tokens: { result: number; arguments: number } | undefined;
  return Sentry.startSpan({ name, op: "mcp.server", forceTransaction: true, attributes }, async (span) => {
    const state: RequestObservation = { span, scope };
    if (linkTo)
      span.addLink({
        context: spanContextOf(linkTo),
        attributes: { "sentry.link.type": "http.traceparent" },
      });
    try {
      const result = await observations.run(state, handle);
      if (extra.signal?.aborted) outcome = "cancelled";
      else if (method === "tools/call") {
        const isError = (result as { isError?: boolean } | undefined)?.isError === true;
        outcome = state.toolOutcome ?? (isError ? "validation_error" : "success");
        // The SDK validated the arguments before the handler ran; only a rejection is worth
        // re-parsing, to say which field failed and why.
        span.setAttribute("mcp.arguments.valid", outcome !== "validation_error");
        if (outcome === "validation_error" && target) {
          const check = known.validateArguments(target, params.arguments ?? {});
          if (!check.valid) {
            span.setAttribute("mcp.arguments.invalid_path", check.path);
            span.setAttribute("mcp.arguments.invalid_reason", check.reason);
          }
        }
        const text = resultText(result);
        resultBytes = byteLength(text);
        span.setAttribute("mcp.result.bytes", resultBytes);
        tokens = {
          result: estimateTokens(text),
          arguments: estimateTokens(canonical),
        };
        span.setAttribute("mcp.tool.result.tokens_estimate", tokens.result);
        span.setAttribute("mcp.tool.arguments.tokens_estimate", tokens.arguments);
        span.setAttribute("mcp.tokens.estimator", ESTIMATOR);
        if (state.errorKind) span.setAttribute("mcp.tool.error_kind", state.errorKind);
      } else if (method === "resources/read" || method === "prompts/get") {
        span.setAttribute("mcp.result.bytes", byteLength(resultText(result)));
      }
      if (method === "tools/call" || method === "resources/read" || method === "prompts/get") {
        span.setAttribute("mcp.result.truncated", state.truncation !== undefined);
        if (state.truncation) span.setAttribute("mcp.result.original_bytes", state.truncation.totalBytes);
      }
      return result;
    } catch (error) {
      outcome = extra.signal?.aborted ? "cancelled" : "protocol_error";
      const code = error instanceof McpError ? error.code : ErrorCode.InternalError;
      span.setAttribute("rpc.jsonrpc.error_code", code);
      throw error;
    } finally {
      span.setAttribute("mcp.outcome", outcome);
      if (outcome !== "success") {
        span.setAttribute(
          "error.type",
          outcome === "validation_error" || outcome === "tool_error" ? "tool_error" : outcome,
        );
        span.setStatus({ code: 2, message: canonicalStatus(outcome, state.errorKind) });
      } else {
        span.setStatus({ code: 1 });
      }
      const labels = {
        method,
        target: target ?? "none",
        outcome,
        clientFamily: String(attributes["client.family"]),
        transport,
      };
      recordOperationMetrics(labels, (Date.now() - started) / 1000, resultBytes, tokens);
      if (state.truncation) recordTruncation(labels);
      if (method !== "initialize" || outcome !== "success") {
        // A success is described by its span (sampled) or its metrics (not): Sentry Logs get failures.
        const toSentry = outcome !== "success";
        const logger = createLogger({ "mcp.session.id": host.sessionId() ?? "none" }, { toSentry });
        logger.info(`${name} ${outcome}`, {
          "mcp.method.name": method,
          "mcp.target": target ?? "none",
          "mcp.outcome": outcome,
        });
      }
      flushIfUnwrapped(host);
    }
  });
}

/** Runs one MCP notification inside a span of its own, in a new trace. */
export function observeNotification(
  method: string,
  host: ObservedSession,
  handle: () => Promise<void>,
): Promise<void> {
  return Sentry.startNewTrace(() =>
    Sentry.startSpan(
      {
        name: method,
        op: "mcp.server",
        forceTransaction: true,
        attributes: {
          "mcp.method.name": method,
          "mcp.transport": host.transport(),
          ...sessionAttributes(host),
        },
      },
      async () => {
        try {
          await handle();
        } finally {
          flushIfUnwrapped(host);
        }
      },
    ),
  );
}

/**
 * Legacy SSE messages arrive through an RPC method that no Sentry wrapper flushes at its end, so
 * without this the span and any error wait in the buffer until the session's next message, or are
 * lost. Streamable HTTP runs inside a wrapped WebSocket handler whose boundary flush covers it.
 */
function flushIfUnwrapped(host: ObservedSession): void {
  if (host.transport() === "sse") host.waitUntil(Sentry.flush(2000));
}

function targetOf(method: string, params: Record<string, unknown>, known: KnownNames): string | undefined {
  if (method === "tools/call" && typeof params.name === "string" && known.tools.has(params.name))
    return params.name;
  if (method === "prompts/get" && typeof params.name === "string" && known.prompts.has(params.name))
    return params.name;
  if (method === "resources/read" && typeof params.uri === "string") return known.templateFor(params.uri);
  return undefined;
}

function identify(sender: Sender | undefined) {
  if (!sender)
    return {
      user: undefined,
      clientId: "unknown",
      clientName: undefined,
      clientVersion: undefined,
      clientFamily: "other",
    };
  return {
    user: { id: String(sender.user.id), username: sender.user.login },
    clientId: sender.client.id,
    clientName: sender.client.name?.slice(0, 64),
    clientVersion: sender.client.version?.slice(0, 32),
    clientFamily: clientFamilyOf(sender.client.name),
  };
}

function sessionAttributes(
  host: ObservedSession,
  request?: ObservedRequest["request"],
  extra?: ObservedRequest["extra"],
): Record<string, string> {
  const out: Record<string, string> = {};
  const sessionId = host.sessionId();
  if (sessionId) out["mcp.session.id"] = sessionId;
  const version =
    (request?.method === "initialize" ? request.params?.protocolVersion : undefined) ??
    headerOf(extra?.requestInfo?.headers, "mcp-protocol-version");
  if (typeof version === "string" && version.length <= 16) out["mcp.protocol.version"] = version;
  return out;
}

function argumentAttributes(
  canonical: string,
  args: unknown,
  host: ObservedSession,
  schemaKeys: readonly string[] | undefined,
): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {
    ...describeArguments(args ?? {}, schemaKeys || []),
    "mcp.arguments.hash": hash64(host.session.salt() + canonical),
  };
  if (host.recordArgumentValues) attributes["mcp.arguments.value"] = canonical.slice(0, 2048);
  return attributes;
}

function headerOf(
  headers: Record<string, string | string[] | undefined> | undefined,
  name: string,
): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The HTTP request's own `traceparent`, the fallback when `_meta` carries none. */
function traceFromHeaders(headers: Record<string, string | string[] | undefined> | undefined) {
  return fromTraceparent(headerOf(headers, "traceparent"), headerOf(headers, "baggage"));
}

function spanContextOf(trace: IncomingTrace) {
  const [traceId = "", spanId = "", sampled = "0"] = trace.sentryTrace.split("-");
  return { traceId, spanId, traceFlags: sampled === "1" ? 1 : 0 };
}

function resultText(result: unknown): string {
  const record = (result ?? {}) as { content?: unknown; contents?: unknown; messages?: unknown };
  const parts = (record.content ?? record.contents ?? record.messages ?? []) as Array<
    Record<string, unknown>
  >;
  if (!Array.isArray(parts)) return "";
  return parts
    .map((part) => {
      if (typeof part.text === "string") return part.text;
      const content = part.content as { text?: unknown } | undefined;
      return typeof content?.text === "string" ? content.text : "";
    })
    .join("");
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
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

/**
 * The span status message in Sentry's canonical vocabulary, so a trace view says what went wrong: a
 * GitHub 404 is `not_found`, not `internal_error` (what Sentry shows for a message it does not know).
 */
export function canonicalStatus(outcome: string, errorKind: string | undefined): string {
  if (outcome === "cancelled") return "cancelled";
  if (outcome === "rate_limited") return "resource_exhausted";
  if (outcome === "validation_error" || outcome === "protocol_error") return "invalid_argument";
  const byKind: Record<string, string> = {
    user_input: "invalid_argument",
    unauthenticated: "unauthenticated",
    upstream_unauthorized: "unauthenticated",
    upstream_forbidden: "permission_denied",
    upstream_not_found: "not_found",
    upstream_validation: "invalid_argument",
    upstream_rate_limited: "resource_exhausted",
    upstream_timeout: "deadline_exceeded",
    upstream_server_error: "unavailable",
    upstream_network: "unavailable",
    upstream_invalid_response: "unavailable",
    rate_limited: "resource_exhausted",
    configuration: "failed_precondition",
  };
  return (errorKind && byKind[errorKind]) || "internal_error";
}
