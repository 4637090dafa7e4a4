import { ConfigurationError } from "./errors";

/** The server's configuration, parsed once from the Worker's env. */
export interface Config {
  environment: string;
  development: boolean;
  githubWebUrl: string;
  githubApiUrl: string;
  /** GitHub is a local stand-in (plain http or loopback), allowed in development and tests only. */
  githubIsStandIn: boolean;
  githubClientId: string;
  githubClientSecret: string;
  githubScopes: string[];
  collectEmail: boolean;
  githubTimeoutMs: number;
  recordArgumentValues: boolean;
  publicUrl: string | undefined;
  /** Browser origins allowed on /mcp and /sse besides the server's own (MCP_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  /** The reply bound, in UTF-8 bytes of text per tool, resource or prompt reply. */
  maxReplyBytes: number;
  /** The period of the MCP_RATE_LIMITER binding, quoted in the retry hint: 10 or 60 seconds. */
  rateLimitPeriodSeconds: 10 | 60;
  /** Where OTLP/HTTP export goes (the OTEL_* settings), or undefined when no OTLP endpoint is set. */
  otlp: OtlpSettings | undefined;
}

/** The OpenTelemetry exporter settings, from the standard `OTEL_*` environment variables. */
export interface OtlpSettings {
  /** `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  tracesUrl: string | undefined;
  /** `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` as given, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/logs`. */
  logsUrl: string | undefined;
  /** `OTEL_EXPORTER_OTLP_HEADERS`, values URL-decoded; usually a backend's API key. */
  headers: Record<string, string>;
  /** The headers of each signal's requests: the above, with `OTEL_EXPORTER_OTLP_{TRACES,LOGS}_HEADERS` on top. */
  signalHeaders: { traces: Record<string, string>; logs: Record<string, string> };
  /** `OTEL_EXPORTER_OTLP_TIMEOUT`: how long one drain's export may take before it is aborted, in ms. */
  timeoutMs: number;
  /** `OTEL_EXPORTER_OTLP_COMPRESSION`: `gzip` (the default here) or `none`. */
  gzip: boolean;
  /** `OTEL_SERVICE_NAME`, if set; it wins over a `service.name` in the resource attributes. */
  serviceName: string | undefined;
  /** `OTEL_RESOURCE_ATTRIBUTES`, values URL-decoded. */
  resourceAttributes: Record<string, string>;
}

/** The OTEL_* settings read by `readOtlpSettings`. */
export type OtlpEnv = Partial<
  Record<
    | "OTEL_EXPORTER_OTLP_ENDPOINT"
    | "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    | "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"
    | "OTEL_EXPORTER_OTLP_HEADERS"
    | "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
    | "OTEL_EXPORTER_OTLP_LOGS_HEADERS"
    | "OTEL_EXPORTER_OTLP_TIMEOUT"
    | "OTEL_EXPORTER_OTLP_PROTOCOL"
    | "OTEL_EXPORTER_OTLP_COMPRESSION"
    | "OTEL_SERVICE_NAME"
    | "OTEL_RESOURCE_ATTRIBUTES",
    string
  >
>;

/** Default reply bound: 256 KiB, about 64,000 tokens, more than any model should be handed at once. */
export const DEFAULT_MAX_REPLY_BYTES = 262144;
/**
 * The largest bound allowed. The agents package stores every Streamable HTTP message in Durable
 * Object storage, whose values stop at 2 MB, and a string can take two bytes per character there.
 */
export const MAX_REPLY_BYTES_CEILING = 786432;

/** The env fields read here; secrets may be absent at runtime whatever the generated types say. */
export type ConfigEnv = OtlpEnv &
  Partial<
    Record<
      | "ENVIRONMENT"
      | "GITHUB_WEB_URL"
      | "GITHUB_API_URL"
      | "GITHUB_CLIENT_ID"
      | "GITHUB_CLIENT_SECRET"
      | "GITHUB_SCOPES"
      | "GITHUB_COLLECT_EMAIL"
      | "GITHUB_TIMEOUT_MS"
      | "SENTRY_RECORD_ARGUMENT_VALUES"
      | "PUBLIC_URL"
      | "MCP_ALLOWED_ORIGINS"
      | "MCP_MAX_REPLY_BYTES"
      | "MCP_RATE_LIMIT_PERIOD_SECONDS",
      string
    >
  >;

/** Parses and checks the configuration; a malformed value throws a ConfigurationError naming it. */
export function readConfig(env: ConfigEnv): Config {
  const environment = (env.ENVIRONMENT ?? "production").trim() || "production";
  const timeout = Number(env.GITHUB_TIMEOUT_MS ?? "10000");
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 60000) {
    throw new ConfigurationError(
      "GITHUB_TIMEOUT_MS must be a whole number of milliseconds from 100 to 60000.",
    );
  }
  const development = environment === "development";
  const maxReplyBytes = Number((env.MCP_MAX_REPLY_BYTES ?? "").trim() || DEFAULT_MAX_REPLY_BYTES);
  if (!Number.isInteger(maxReplyBytes) || maxReplyBytes < 1024 || maxReplyBytes > MAX_REPLY_BYTES_CEILING) {
    throw new ConfigurationError(
      `MCP_MAX_REPLY_BYTES must be a whole number of bytes from 1024 to ${MAX_REPLY_BYTES_CEILING}, got "${env.MCP_MAX_REPLY_BYTES}".`,
    );
  }
  const period = (env.MCP_RATE_LIMIT_PERIOD_SECONDS ?? "").trim() || "60";
  if (period !== "10" && period !== "60") {
    throw new ConfigurationError(
      `MCP_RATE_LIMIT_PERIOD_SECONDS must be 10 or 60 (the rate-limiting binding's period), got "${env.MCP_RATE_LIMIT_PERIOD_SECONDS}".`,
    );
  }
  const githubWebUrl = baseUrl("GITHUB_WEB_URL", env.GITHUB_WEB_URL ?? "https://github.com");
  const githubApiUrl = baseUrl("GITHUB_API_URL", env.GITHUB_API_URL ?? "https://api.github.com");
  // A local GitHub stand-in (plain http, or a loopback host) signs anyone in as anyone. It must never
  // serve a deployed Worker, so only the development and test environments may point at one.
  if (environment !== "development" && environment !== "test") {
    for (const [name, value] of [
      ["GITHUB_WEB_URL", githubWebUrl],
      ["GITHUB_API_URL", githubApiUrl],
    ] as const) {
      if (isStandIn(value)) {
        throw new ConfigurationError(
          `${name} is ${value}, a local GitHub stand-in; only ENVIRONMENT=development may use one. Point it at GitHub (https).`,
        );
      }
    }
  }
  return {
    environment,
    development,
    githubWebUrl,
    githubApiUrl,
    githubIsStandIn: isStandIn(githubWebUrl),
    githubClientId: (env.GITHUB_CLIENT_ID ?? "").trim(),
    githubClientSecret: (env.GITHUB_CLIENT_SECRET ?? "").trim(),
    githubScopes: (env.GITHUB_SCOPES ?? "read:user repo").split(/[\s,]+/).filter(Boolean),
    collectEmail: flag("GITHUB_COLLECT_EMAIL", env.GITHUB_COLLECT_EMAIL),
    githubTimeoutMs: timeout,
    recordArgumentValues: flag("SENTRY_RECORD_ARGUMENT_VALUES", env.SENTRY_RECORD_ARGUMENT_VALUES),
    publicUrl: env.PUBLIC_URL?.trim() ? baseUrl("PUBLIC_URL", env.PUBLIC_URL) : undefined,
    allowedOrigins: origins("MCP_ALLOWED_ORIGINS", env.MCP_ALLOWED_ORIGINS),
    maxReplyBytes,
    rateLimitPeriodSeconds: period === "10" ? 10 : 60,
    otlp: readOtlpSettings(env),
  };
}

/**
 * The OTLP export deadline unless OTEL_EXPORTER_OTLP_TIMEOUT says otherwise: shorter than the
 * convention's 10 s, because it runs in a Worker's waitUntil, which ends 30 s after the reply.
 */
export const DEFAULT_OTLP_TIMEOUT_MS = 2000;

let lastOtlp: { key: string; settings: OtlpSettings | undefined } | undefined;

/**
 * The OTLP exporter settings (OpenTelemetry's environment-variable conventions), or undefined when no
 * endpoint is set. Parsed once per isolate for a given set of values: telemetry and the request edge
 * both ask. A malformed value throws a ConfigurationError naming the setting; header values are
 * never quoted (they hold API keys).
 */
export function readOtlpSettings(env: OtlpEnv): OtlpSettings | undefined {
  const key = JSON.stringify([
    env.OTEL_EXPORTER_OTLP_ENDPOINT,
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT,
    env.OTEL_EXPORTER_OTLP_HEADERS,
    env.OTEL_EXPORTER_OTLP_TRACES_HEADERS,
    env.OTEL_EXPORTER_OTLP_LOGS_HEADERS,
    env.OTEL_EXPORTER_OTLP_TIMEOUT,
    env.OTEL_EXPORTER_OTLP_PROTOCOL,
    env.OTEL_EXPORTER_OTLP_COMPRESSION,
    env.OTEL_SERVICE_NAME,
    env.OTEL_RESOURCE_ATTRIBUTES,
  ]);
  if (lastOtlp?.key === key) return lastOtlp.settings;
  const settings = parseOtlp(env);
  lastOtlp = { key, settings };
  return settings;
}

function parseOtlp(env: OtlpEnv): OtlpSettings | undefined {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
    ? baseUrl("OTEL_EXPORTER_OTLP_ENDPOINT", env.OTEL_EXPORTER_OTLP_ENDPOINT)
    : undefined;
  const signal = (
    name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" | "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    path: string,
  ) => {
    const value = env[name]?.trim();
    if (value) return exactUrl(name, value);
    return base ? `${base}${path}` : undefined;
  };
  const tracesUrl = signal("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "/v1/traces");
  const logsUrl = signal("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "/v1/logs");
  if (!tracesUrl && !logsUrl) return undefined;
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() || "http/json";
  if (protocol !== "http/json") {
    throw new ConfigurationError(
      `OTEL_EXPORTER_OTLP_PROTOCOL must be http/json (the only protocol this server sends), got "${protocol.slice(0, 32)}".`,
    );
  }
  const compression = env.OTEL_EXPORTER_OTLP_COMPRESSION?.trim().toLowerCase() || "gzip";
  if (compression !== "gzip" && compression !== "none") {
    throw new ConfigurationError(
      `OTEL_EXPORTER_OTLP_COMPRESSION must be gzip or none, got "${compression.slice(0, 32)}".`,
    );
  }
  const timeoutText = env.OTEL_EXPORTER_OTLP_TIMEOUT?.trim() || String(DEFAULT_OTLP_TIMEOUT_MS);
  const timeoutMs = Number(timeoutText);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 10000) {
    throw new ConfigurationError(
      `OTEL_EXPORTER_OTLP_TIMEOUT must be a whole number of milliseconds from 100 to 10000, got "${timeoutText.slice(0, 32)}".`,
    );
  }
  const headers = keyValues("OTEL_EXPORTER_OTLP_HEADERS", env.OTEL_EXPORTER_OTLP_HEADERS, false);
  return {
    tracesUrl,
    logsUrl,
    headers,
    signalHeaders: {
      traces: {
        ...headers,
        ...keyValues("OTEL_EXPORTER_OTLP_TRACES_HEADERS", env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, false),
      },
      logs: {
        ...headers,
        ...keyValues("OTEL_EXPORTER_OTLP_LOGS_HEADERS", env.OTEL_EXPORTER_OTLP_LOGS_HEADERS, false),
      },
    },
    timeoutMs,
    gzip: compression === "gzip",
    serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
    resourceAttributes: keyValues("OTEL_RESOURCE_ATTRIBUTES", env.OTEL_RESOURCE_ATTRIBUTES, true),
  };
}

/** A signal-specific OTLP endpoint: used exactly as given, so only checked. */
function exactUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not quoted: an endpoint can carry credentials (userinfo, an ?api-key= parameter).
    throw new ConfigurationError(`${name} must be an absolute URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`${name} must be an http(s) URL.`);
  }
  return value;
}

/**
 * The W3C-baggage-like list OpenTelemetry uses for headers and resource attributes:
 * `key1=value1,key2=value2`, values percent-decoded. Header values are secrets: a bad entry is named
 * by its position, never shown.
 */
function keyValues(name: string, value: string | undefined, quote: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = (value ?? "").split(",").map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    if (entry === "") return;
    const at = entry.indexOf("=");
    const key = at > 0 ? entry.slice(0, at).trim() : "";
    let decoded: string | undefined;
    try {
      decoded = at > 0 ? decodeURIComponent(entry.slice(at + 1).trim()) : undefined;
    } catch {
      decoded = undefined;
    }
    if (!key || decoded === undefined || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      const shown = quote ? `, got "${entry.slice(0, 80)}"` : "";
      throw new ConfigurationError(
        `${name} must be a comma-separated list of key=value pairs with URL-encoded values; entry ${index + 1} is not${shown}.`,
      );
    }
    // `new Headers()` throws on a value no HTTP header can carry (CR, LF, NUL, a character past
    // Latin-1), and it would throw on every export: refuse it here, where the setting can be named.
    if (!quote && !/^[\t\x20-\x7e\x80-\xff]*$/.test(decoded)) {
      throw new ConfigurationError(
        `${name} entry ${index + 1} (${key}) decodes to a control character or one outside Latin-1, which an HTTP header cannot carry.`,
      );
    }
    out[key] = decoded;
  });
  return out;
}

function baseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    // Not quoted: a URL can carry credentials (userinfo, an ?api-key= parameter).
    throw new ConfigurationError(`${name} must be an absolute URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`${name} must be an http(s) URL.`);
  }
  return url.toString().replace(/\/+$/, "");
}

/** A URL that cannot be real GitHub (or GitHub Enterprise): plain http, or a loopback host. */
function isStandIn(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return (
    protocol !== "https:" || hostname === "localhost" || hostname === "[::1]" || hostname.startsWith("127.")
  );
}

/** A space- or comma-separated list of origins, each `scheme://host[:port]` with nothing after it. */
function origins(name: string, value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      let url: URL | undefined;
      try {
        url = new URL(entry);
      } catch {
        url = undefined;
      }
      const onlyOrigin = url && url.pathname === "/" && !url.search && !url.hash && !url.username;
      if (!url || !onlyOrigin || (url.protocol !== "https:" && url.protocol !== "http:")) {
        throw new ConfigurationError(
          `${name} must list origins such as https://app.example.com (scheme, host and port only), got "${entry.slice(0, 80)}".`,
        );
      }
      return url.origin;
    });
}

function flag(name: string, value: string | undefined): boolean {
  const v = (value ?? "false").trim().toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0" || v === "") return false;
  throw new ConfigurationError(`${name} must be true or false, got "${value}".`);
}
