import { type CloudflareOptions, spotlightIntegration } from "@sentry/cloudflare";
import { createLogger } from "./logger";
import { createTracesSampler, parseToolRates } from "./sampling";
import { scrubString, scrubValue, stripQuery } from "./scrub";
import { makeBatchingTransport } from "./transport";

/** The env fields Sentry's configuration reads. */
export interface SentryEnv {
  SENTRY_DSN?: string;
  ENVIRONMENT?: string;
  SENTRY_TRACES_SAMPLE_RATE?: string;
  /** Per-tool overrides of the trace sample rate, e.g. `search_issues=0.1,whoami=0`. */
  SENTRY_TOOL_SAMPLE_RATES?: string;
  CF_VERSION_METADATA?: WorkerVersionMetadata;
  /** A Spotlight sidecar URL (e.g. http://localhost:8969/stream); honoured only in development. */
  SENTRY_SPOTLIGHT?: string;
}

/** A DSN that names no real project; with a tunnel it only gives the SDK somewhere to address envelopes. */
const SPOTLIGHT_ONLY_DSN = "http://spotlight@localhost/0";

/** The paths MCP messages are POSTed to: Streamable HTTP and the legacy SSE transport's message endpoint. */
const MCP_MESSAGE_PATH = /^\/(mcp|sse\/message)$/;

/**
 * The one Sentry configuration, shared by the Worker (`withSentry`) and the Durable Object
 * (`instrumentDurableObjectWithSentry`). With no DSN the SDK is off and the server works unchanged.
 */
export function sentryOptions(env: SentryEnv): CloudflareOptions {
  const environment = env.ENVIRONMENT || "production";
  const spotlight = environment === "development" ? env.SENTRY_SPOTLIGHT?.trim() || undefined : undefined;
  const configuredDsn = env.SENTRY_DSN?.trim() || undefined;
  // Development with no DSN: everything goes to the local Spotlight sidecar through the tunnel option,
  // so errors, traces and logs are visible without a Sentry account. With a DSN, Spotlight gets a copy.
  const dsn = configuredDsn ?? (spotlight ? SPOTLIGHT_ONLY_DSN : undefined);
  const rate = Number(env.SENTRY_TRACES_SAMPLE_RATE ?? "1");
  return {
    dsn,
    enabled: dsn !== undefined,
    // One gzipped envelope per trace and per kind of telemetry for everything an invocation produced,
    // sent after the reply in waitUntil (transport.ts), instead of one envelope per record.
    transport: makeBatchingTransport,
    // The sidecar files a POST under its Content-Type and its UI shows only
    // application/x-sentry-envelope; the transport sends none (so fetch says text/plain).
    ...(spotlight && !configuredDsn
      ? {
          tunnel: spotlight,
          transportOptions: { headers: { "Content-Type": "application/x-sentry-envelope" } },
        }
      : {}),
    // Spotlight's UI lists transactions, not streamed spans.
    ...(spotlight ? { traceLifecycle: "static" as const } : {}),
    release: env.CF_VERSION_METADATA?.id || undefined,
    environment,
    tracesSampler: createTracesSampler(
      Number.isFinite(rate) ? Math.min(Math.max(rate, 0), 1) : 1,
      toolRatesOrNone(env.SENTRY_TOOL_SAMPLE_RATES),
    ),
    // W3C traceparent on calls to GitHub as well as sentry-trace, so the trace carries on past us.
    propagateTraceparent: true,
    // Collect structure, not content: no request bodies, cookies, query strings, IPs or AI inputs.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: { request: { deny: ["authorization", "cookie", "set-cookie"] }, response: false },
      httpBodies: [],
      urlQueryParams: false,
      genAI: { inputs: false, outputs: false },
      stackFrameVariables: false,
    },
    // Dedupe drops a repeated identical error; a tool reply would then quote an Event ID that was
    // never sent. Every reported failure must reach Sentry under the ID the user was given.
    // With a DSN, Spotlight gets a copy of every envelope. Not the `spotlight` option: wrangler bundles
    // the SDK's production build, which compiles that option out; the integration is kept.
    integrations: (defaults) => [
      ...defaults.filter((integration) => integration.name !== "Dedupe"),
      ...(spotlight && configuredDsn ? [spotlightIntegration({ sidecarUrl: spotlight })] : []),
    ],
    // Framework plumbing that would otherwise be most of every tool call's telemetry (8 of its 13 spans,
    // measured with scripts/bench.mjs): the agents package's own Durable Object storage bookkeeping,
    // the WebSocket upgrade and close between the Worker and the object on every Streamable HTTP POST.
    // The SDK already skips the frameworks' `cf_` keys; agents' other keys slip past that rule.
    ignoreSpans: [
      { op: "db", name: /^durable_object_storage_/ },
      { op: "websocket", name: "webSocketClose" },
      { op: "http.server", attributes: { "http.request.header.upgrade": ["websocket"] } },
      // The Worker's span of each MCP message POST: a trace of its own beside the Durable Object's MCP
      // span, which carries everything about the message, and a second envelope per tool call.
      { op: "http.server", attributes: { "http.request.method": "POST", "url.path": MCP_MESSAGE_PATH } },
    ],
    beforeSend: (event) => scrubEvent(event),
    beforeSendSpan: (span) => {
      span.name = scrubString(span.name);
      span.attributes = scrubAttributes(
        span.attributes["sentry.op"] === "mcp.server" ? withoutHttpRequest(span.attributes) : span.attributes,
      );
      return span;
    },
    beforeSendLog: (log) => {
      log.message = scrubString(String(log.message));
      if (log.attributes) log.attributes = scrubAttributes(log.attributes);
      return log;
    },
    // Consulted only with traceLifecycle "static" (Spotlight in development, or a fork that switches).
    beforeSendTransaction: (event) => scrubEvent(event),
    beforeBreadcrumb: (breadcrumb) => {
      if (breadcrumb.message) breadcrumb.message = scrubString(breadcrumb.message);
      if (breadcrumb.data) {
        const data = scrubValue(breadcrumb.data);
        if (typeof data.url === "string") data.url = stripQuery(data.url);
        breadcrumb.data = data;
      }
      return breadcrumb;
    },
  };
}

/**
 * A typo in a telemetry setting must not take the server down: the bad overrides are logged, naming
 * the entry, and the default rate applies to every tool until the setting is fixed.
 */
function toolRatesOrNone(value: string | undefined): Map<string, number> {
  try {
    return parseToolRates(value);
  } catch (error) {
    createLogger().error(
      `${error instanceof Error ? error.message : String(error)} Per-tool rates are ignored.`,
    );
    return new Map();
  }
}

/**
 * An MCP span inherits the HTTP request data of the Durable Object's scope, which on Streamable HTTP is
 * the Worker-to-object WebSocket upgrade (`GET`, with its headers), not the client's request: it would
 * mislabel every MCP message. The Worker's own `http.server` span records the client's request.
 */
function withoutHttpRequest<T extends Record<string, unknown>>(attributes: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith("http.request.") && !key.startsWith("url.") && key !== "server.address")
      out[key] = value;
  }
  return out as T;
}

function scrubAttributes<T extends Record<string, unknown>>(attributes: T): T {
  const out: Record<string, unknown> = scrubValue(attributes);
  for (const key of ["url.full", "http.url", "url", "http.target", "url.query"]) {
    const value = out[key];
    if (typeof value === "string") out[key] = key === "url.query" ? "" : stripQuery(value);
  }
  return out as T;
}

interface RequestData {
  url?: string;
  query_string?: unknown;
  cookies?: unknown;
  data?: unknown;
}

function scrubEvent<E extends { request?: RequestData }>(event: E): E {
  const scrubbed = scrubValue(event);
  if (scrubbed.request) {
    if (scrubbed.request.url) scrubbed.request.url = stripQuery(scrubbed.request.url);
    delete scrubbed.request.query_string;
    delete scrubbed.request.cookies;
    delete scrubbed.request.data;
  }
  return scrubbed;
}
