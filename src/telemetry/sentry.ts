import { type Integration, type Options, withStaticSpan } from "@sentry/core";
import { type OtlpEnv, type OtlpSettings, readOtlpSettings } from "../config";
import { ConfigurationError } from "../errors";
import { createLogger } from "./logger";
import { ATTR, SPAN_OP } from "./names";
import { createOtlpExporter, OTLP_ONLY_DSN } from "./otlp";
import { createTracesSampler, parseToolRates } from "./sampling";
import { scrubString, scrubValue, stripQuery } from "./scrub";
import { type BatchingTransportOptions, gzip, makeBatchingTransport } from "./transport";

/** The env fields Sentry's configuration reads (and the OTEL_* ones of the OTLP leg). */
export interface SentryEnv extends OtlpEnv {
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

/** The options every SDK's init takes, whichever SDK the host runs (Cloudflare's or Node's). */
export type SharedSentryOptions = Options<BatchingTransportOptions>;

/**
 * What the host knows that telemetry must not: how to name the outgoing requests it makes, and the
 * pieces of its own SDK telemetry configures but cannot import.
 */
export interface SentryHooks {
  /**
   * Maps an outgoing request URL to its route template (e.g. `…/repos/{owner}/{repo}/issues/{issue_number}`),
   * or undefined for a URL it does not know. Request spans then carry the template, never the concrete
   * path, which would name private repositories.
   */
  templateUrl?: (url: string) => string | undefined;
  /** The MCP server's name, for the OTLP resource attribute `mcp.server.name`. */
  serverName?: string;
  /** The host's release when it has no Worker version metadata (stdio), for OTLP `service.version`. */
  serviceVersion?: string;
  /** The host SDK's Spotlight integration, for a DSN with a copy to the sidecar (development only). */
  spotlightIntegration?: (options: { sidecarUrl: string }) => Integration;
}

/**
 * The one Sentry configuration, shared by the Worker (`withSentry`) and the Durable Object
 * (`instrumentDurableObjectWithSentry`). With no DSN the SDK is off and the server works unchanged.
 */
export function sentryOptions(env: SentryEnv, hooks: SentryHooks = {}): SharedSentryOptions {
  const scrubSpan = spanScrubber(hooks.templateUrl ?? (() => undefined));
  const environment = env.ENVIRONMENT || "production";
  const spotlight = environment === "development" ? env.SENTRY_SPOTLIGHT?.trim() || undefined : undefined;
  const configuredDsn = env.SENTRY_DSN?.trim() || undefined;
  // Development with no DSN: everything goes to the local Spotlight sidecar through the tunnel option,
  // so errors, traces and logs are visible without a Sentry account. With a DSN, Spotlight gets a copy.
  const otlp = otlpOrNone(env);
  // OTLP only: the SDK still builds every span, log and event, for a DSN that names nothing; the
  // transport sends them to the collector only.
  const dsn = configuredDsn ?? (spotlight ? SPOTLIGHT_ONLY_DSN : otlp ? OTLP_ONLY_DSN : undefined);
  const rate = defaultSampleRate(env.SENTRY_TRACES_SAMPLE_RATE);
  const exporter = otlp
    ? createOtlpExporter(
        otlp,
        {
          serviceVersion: env.CF_VERSION_METADATA?.id || hooks.serviceVersion,
          environment,
          mcpServerName: hooks.serverName ?? "observable-mcp",
        },
        gzip,
      )
    : undefined;
  return {
    dsn,
    enabled: dsn !== undefined,
    // One gzipped envelope per trace and per kind of telemetry for everything an invocation produced,
    // sent after the reply in waitUntil (transport.ts), instead of one envelope per record; with
    // OTLP on, the same drain also posts them to the collector (transportOptions.otlp).
    transport: makeBatchingTransport,
    // The SDK hands transportOptions to whichever transport the host installs around the batching one.
    transportOptions: {
      ...(exporter ? { otlp: exporter, sentry: dsn !== OTLP_ONLY_DSN } : {}),
      // The sidecar files a POST under its Content-Type and its UI shows only
      // application/x-sentry-envelope; the transport sends none (so fetch says text/plain).
      ...(spotlight && !configuredDsn
        ? { headers: { "Content-Type": "application/x-sentry-envelope" } }
        : {}),
    },
    ...(spotlight && !configuredDsn ? { tunnel: spotlight } : {}),
    // Spotlight's UI lists transactions, not streamed spans.
    ...(spotlight ? { traceLifecycle: "static" as const } : {}),
    release: env.CF_VERSION_METADATA?.id || undefined,
    environment,
    tracesSampler: createTracesSampler(rate, toolRatesOrNone(env.SENTRY_TOOL_SAMPLE_RATES)),
    // W3C traceparent on calls to GitHub as well as sentry-trace, so the trace carries on past us.
    propagateTraceparent: true,
    // Collect structure, not content: no request bodies, cookies, query strings, IPs or AI inputs.
    dataCollection: {
      userInfo: false,
      cookies: false,
      // A session id is useless without its owner's token, but a refused probe carries another user's.
      httpHeaders: {
        request: { deny: ["authorization", "cookie", "set-cookie", "mcp-session-id"] },
        response: false,
      },
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
      ...(spotlight && configuredDsn && hooks.spotlightIntegration
        ? [hooks.spotlightIntegration({ sidecarUrl: spotlight })]
        : []),
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
    // Spotlight's static lifecycle hands the callback static spans, and only when it says so.
    beforeSendSpan: spotlight
      ? withStaticSpan((span) => {
          const scrubbed = scrubSpan(span.description ?? "", span.data ?? {});
          span.description = scrubbed.name;
          span.data = scrubbed.attributes;
          return span;
        })
      : (span) => {
          const scrubbed = scrubSpan(span.name, span.attributes);
          span.name = scrubbed.name;
          span.attributes = scrubbed.attributes;
          return span;
        },
    beforeSendLog: (log) => {
      log.message = scrubString(String(log.message));
      if (log.attributes) log.attributes = scrubSpan("", log.attributes).attributes;
      return log;
    },
    // Consulted only with traceLifecycle "static" (Spotlight in development, or a fork that switches).
    // The SDK replaces the child spans with what beforeSendSpan returned, but merges its root span back
    // into the event, which cannot remove a key: the root span's data gets the treatment again here.
    beforeSendTransaction: (event) => {
      const root = event.contexts?.trace;
      if (root?.data) root.data = scrubSpan("", root.data).attributes;
      // An MCP message's transaction inherits the Worker-to-object upgrade request (a GET), which
      // Spotlight would show as every message's method: the span's name says what it was.
      if (root?.op === SPAN_OP.MCP_SERVER) delete event.request;
      return scrubEvent(event);
    },
    beforeBreadcrumb: (breadcrumb) => {
      if (breadcrumb.message) breadcrumb.message = scrubString(breadcrumb.message);
      if (breadcrumb.data) {
        const data = scrubValue(breadcrumb.data);
        if (typeof data.url === "string") {
          const url = stripQuery(data.url);
          data.url = hooks.templateUrl?.(url) ?? url;
        }
        breadcrumb.data = data;
      }
      return breadcrumb;
    },
  };
}

/**
 * The OTLP settings, or none. A malformed OTEL_* value turns the OTLP leg off here (telemetry must
 * not take the server down); readConfig raises the same ConfigurationError at the request edge,
 * which names the setting and reports it once.
 */
function otlpOrNone(env: OtlpEnv): OtlpSettings | undefined {
  try {
    return readOtlpSettings(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return undefined;
    throw error;
  }
}

/** Malformed sample rates already logged by this isolate: said once, not on every request. */
const warnedRates = new Set<string>();

/**
 * SENTRY_TRACES_SAMPLE_RATE, a number from 0 to 1 (default 1). A malformed value (`0,5`, `50%`, `2`) is
 * logged once per isolate, naming the setting, and the documented default applies.
 */
function defaultSampleRate(value: string | undefined): number {
  const text = value?.trim() ?? "";
  if (text === "") return 1;
  const rate = Number(text);
  if (Number.isFinite(rate) && rate >= 0 && rate <= 1) return rate;
  if (!warnedRates.has(text)) {
    warnedRates.add(text);
    createLogger().error(
      `SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, such as 0.5; got "${text.slice(0, 32)}". The default 1 applies.`,
    );
  }
  return 1;
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

/** Request headers worth keeping on a span or event; every other one (and its value) is dropped. */
const HARMLESS_HEADERS = new Set([
  "accept",
  "accept-encoding",
  "content-length",
  "content-type",
  "host",
  "mcp-protocol-version",
  "origin",
  "user-agent",
]);

const URL_KEYS = ["url.full", "http.url", "url", "http.target"];

/**
 * One treatment for every span, streamed or inside a transaction: MCP spans lose the HTTP request
 * data they inherit, request headers outside the allow-list are dropped (agents puts the whole
 * JSON-RPC message, arguments included, in `cf-mcp-message` on the Worker-to-object request), URLs
 * lose their query and, for the host's own outgoing requests, their concrete path.
 */
function spanScrubber(templateUrl: (url: string) => string | undefined) {
  return <A extends Record<string, unknown>>(
    name: string,
    attributes: A,
  ): { name: string; attributes: A } => {
    const base = attributes["sentry.op"] === SPAN_OP.MCP_SERVER ? withoutHttpRequest(attributes) : attributes;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(scrubValue(base))) {
      if (key.startsWith("http.request.header.") && !HARMLESS_HEADERS.has(key.slice(20).replace(/_/g, "-")))
        continue;
      out[key] = value;
    }
    let scrubbedName = scrubString(name);
    if (typeof out["url.query"] === "string") out["url.query"] = "";
    for (const key of URL_KEYS) {
      const value = out[key];
      if (typeof value !== "string") continue;
      const concrete = stripQuery(value);
      const template = templateUrl(concrete);
      out[key] = template ?? concrete;
      if (template) {
        if (key === "url.full" || key === "http.url") out["url.template"] = template;
        scrubbedName = scrubbedName.split(value).join(template).split(concrete).join(template);
      }
    }
    if (typeof out["url.path"] === "string" && out["url.template"]) delete out["url.path"];
    return { name: scrubbedName, attributes: out as A };
  };
}

interface RequestData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query_string?: unknown;
  cookies?: unknown;
  data?: unknown;
}

function scrubEvent<E extends { request?: RequestData; tags?: Record<string, unknown> }>(event: E): E {
  const scrubbed = scrubValue(event);
  if (scrubbed.request) {
    // An MCP message's event carries the Worker-to-object request, whose method (`GET`, the upgrade)
    // is not the client's: the message is named by its transaction and `mcp.method.name` tag instead.
    if (scrubbed.tags?.[ATTR.METHOD_NAME] !== undefined) delete scrubbed.request.method;
    if (scrubbed.request.url) scrubbed.request.url = stripQuery(scrubbed.request.url);
    delete scrubbed.request.query_string;
    delete scrubbed.request.cookies;
    delete scrubbed.request.data;
    // In the Durable Object the request is the Worker-to-object upgrade, whose headers carry the whole
    // JSON-RPC message (cf-mcp-message): only the allow-listed headers stay.
    if (scrubbed.request.headers) {
      scrubbed.request.headers = Object.fromEntries(
        Object.entries(scrubbed.request.headers).filter(([name]) => HARMLESS_HEADERS.has(name.toLowerCase())),
      );
    }
  }
  return scrubbed;
}
