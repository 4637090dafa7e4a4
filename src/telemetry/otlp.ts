import type { Envelope } from "@sentry/core";
import { suppressTracing } from "@sentry/core";
import type { OtlpSettings } from "../config";
import { createLogger } from "./logger";

/**
 * OTLP/HTTP export of what the Sentry SDK produced. The SDK stays the one definition of span names,
 * attributes, the span tree, sampling and redaction: this module only re-encodes the envelopes the
 * batching transport (transport.ts) drains, after `beforeSendSpan`/`beforeSend`/`beforeSendLog` ran,
 * into the OTLP JSON encoding (opentelemetry-proto's JSON mapping: lowerCamelCase fields, hex trace
 * and span ids, int64 as strings, enums as numbers), and posts it with the global `fetch`, so any
 * host (Worker, Node) can run it.
 */

/**
 * With OTLP and no SENTRY_DSN, the SDK still needs a DSN to build a client and hand envelopes to the
 * transport; this one names nothing, and the transport sends nothing to it (its Sentry leg is off).
 */
export const OTLP_ONLY_DSN = "http://otlp@localhost/0";

/** What the exporter says about the service, beyond OTEL_RESOURCE_ATTRIBUTES. */
export interface OtlpResource {
  serviceVersion: string | undefined;
  environment: string;
  mcpServerName: string;
}

const SERVICE_NAME = "observable-mcp";
const SCOPE = { name: "observable-mcp", version: "1" };

// opentelemetry-proto enums, by number (the JSON mapping allows either; numbers are what collectors expect).
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_CODE_OK = 1;
const STATUS_CODE_ERROR = 2;
const SEVERITY_ERROR = 17;

/** opentelemetry-proto `AnyValue` in its JSON form. */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } };

/** opentelemetry-proto `KeyValue`. */
export interface KeyValue {
  key: string;
  value: AnyValue;
}

interface OtlpEvent {
  timeUnixNano: string;
  name: string;
  attributes: KeyValue[];
}

/** opentelemetry-proto `Span`, JSON form. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: OtlpEvent[];
  links: Array<{ traceId: string; spanId: string; attributes: KeyValue[] }>;
  status: { code: number; message?: string };
}

/** opentelemetry-proto `LogRecord`, JSON form. */
export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  traceId?: string;
  spanId?: string;
}

/** The two OTLP requests one drain makes at most (each undefined when it has nothing to say). */
export interface OtlpBatch {
  traces?: { resourceSpans: Array<{ resource: { attributes: KeyValue[] }; scopeSpans: unknown[] }> };
  logs?: { resourceLogs: Array<{ resource: { attributes: KeyValue[] }; scopeLogs: unknown[] }> };
}

type Typed = { type?: string; value?: unknown };
type Attributes = Record<string, Typed>;
type Json = Record<string, unknown>;

/** One typed Sentry attribute (`{ type, value }`) or a plain value (static spans' `data`) as an AnyValue. */
export function anyValue(input: unknown, type?: string): AnyValue | undefined {
  if (Array.isArray(input)) {
    const values = input.map((item) => anyValue(item)).filter((item) => item !== undefined);
    return { arrayValue: { values } };
  }
  if (typeof input === "string") return { stringValue: input };
  if (typeof input === "boolean") return { boolValue: input };
  if (typeof input === "number" && Number.isFinite(input)) {
    if (type === "double" || (type !== "integer" && !Number.isInteger(input))) return { doubleValue: input };
    return { intValue: String(input) };
  }
  return undefined;
}

function typedAttributes(attributes: Attributes | undefined): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, attr] of Object.entries(attributes ?? {})) {
    const value = anyValue(attr?.value, attr?.type);
    if (value) out.push({ key, value });
  }
  return out;
}

function plainAttributes(data: Json | undefined): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, raw] of Object.entries(data ?? {})) {
    const value = anyValue(raw);
    if (value) out.push({ key, value });
  }
  return out;
}

/** Sentry timestamps are seconds (float); OTLP's are nanoseconds, an int64 written as a string. */
function nanos(seconds: unknown): string {
  const value = typeof seconds === "number" && Number.isFinite(seconds) ? seconds : Date.now() / 1000;
  return (BigInt(Math.round(value * 1e6)) * 1000n).toString();
}

function kindOf(op: unknown): number {
  if (op === "mcp.server" || op === "http.server" || op === "websocket.server") return SPAN_KIND_SERVER;
  if (typeof op === "string" && op.startsWith("http.client")) return SPAN_KIND_CLIENT;
  return SPAN_KIND_INTERNAL;
}

function stringAttribute(attributes: KeyValue[], key: string): unknown {
  const found = attributes.find((kv) => kv.key === key)?.value;
  return found && "stringValue" in found ? found.stringValue : undefined;
}

/** A streamed span (`span` container item) as sent to Sentry. */
function fromStreamed(span: Json): OtlpSpan {
  const attributes = typedAttributes(span.attributes as Attributes);
  const error = span.status === "error";
  const links = Array.isArray(span.links) ? (span.links as Json[]) : [];
  return {
    traceId: String(span.trace_id),
    spanId: String(span.span_id),
    ...(span.parent_span_id ? { parentSpanId: String(span.parent_span_id) } : {}),
    name: String(span.name ?? ""),
    kind: kindOf(stringAttribute(attributes, "sentry.op")),
    startTimeUnixNano: nanos(span.start_timestamp),
    endTimeUnixNano: nanos(span.end_timestamp ?? span.start_timestamp),
    attributes,
    events: [],
    links: links.map((link) => ({
      traceId: String(link.trace_id),
      spanId: String(link.span_id),
      attributes: typedAttributes(link.attributes as Attributes),
    })),
    status: error
      ? {
          code: STATUS_CODE_ERROR,
          message: String(stringAttribute(attributes, "sentry.status.message") ?? ""),
        }
      : { code: STATUS_CODE_OK },
  };
}

/** A span of a transaction event (Spotlight's static lifecycle): the root from `contexts.trace`, or a child. */
function fromStatic(span: Json, name: string, start: unknown, end: unknown): OtlpSpan {
  const attributes = plainAttributes({
    ...(span.data as Json | undefined),
    ...(span.op ? { "sentry.op": span.op } : {}),
    ...(span.origin ? { "sentry.origin": span.origin } : {}),
  });
  const status = typeof span.status === "string" ? span.status : "ok";
  const ok = status === "ok" || status === "cancelled";
  return {
    traceId: String(span.trace_id),
    spanId: String(span.span_id),
    ...(span.parent_span_id ? { parentSpanId: String(span.parent_span_id) } : {}),
    name,
    kind: kindOf(span.op),
    startTimeUnixNano: nanos(start),
    endTimeUnixNano: nanos(end ?? start),
    attributes,
    events: [],
    links: [],
    status: ok ? { code: STATUS_CODE_OK } : { code: STATUS_CODE_ERROR, message: status },
  };
}

function fromTransaction(event: Json, traceId: string | undefined): OtlpSpan[] {
  const root = (event.contexts as Json | undefined)?.trace as Json | undefined;
  if (!root) return [];
  const spans = [fromStatic(root, String(event.transaction ?? ""), event.start_timestamp, event.timestamp)];
  for (const child of (event.spans as Json[] | undefined) ?? []) {
    spans.push(
      fromStatic(
        { trace_id: traceId ?? root.trace_id, ...child },
        String(child.description ?? ""),
        child.start_timestamp,
        child.timestamp,
      ),
    );
  }
  return spans;
}

interface Exception {
  traceId?: string;
  spanId?: string;
  time: string;
  attributes: KeyValue[];
  summary: string;
}

/**
 * An error event as OpenTelemetry's exception semantic conventions put it: `exception.type`,
 * `exception.message`, `exception.stacktrace`, and the Sentry Event ID, so the two can be matched.
 */
function fromErrorEvent(event: Json): Exception | undefined {
  const values = ((event.exception as Json | undefined)?.values as Json[] | undefined) ?? [];
  const last = values.at(-1);
  if (!last) return undefined;
  const type = String(last.type ?? "Error");
  const message = String(last.value ?? "");
  const frames = (((last.stacktrace as Json | undefined)?.frames as Json[] | undefined) ?? [])
    .slice()
    .reverse();
  const stack = [
    `${type}: ${message}`,
    ...frames.map(
      (frame) =>
        `    at ${frame.function ?? "<anonymous>"} (${frame.filename ?? frame.abs_path ?? "?"}:${frame.lineno ?? 0}:${frame.colno ?? 0})`,
    ),
  ].join("\n");
  const trace = (event.contexts as Json | undefined)?.trace as Json | undefined;
  return {
    traceId: typeof trace?.trace_id === "string" ? trace.trace_id : undefined,
    spanId: typeof trace?.span_id === "string" ? trace.span_id : undefined,
    time: nanos(event.timestamp),
    summary: `${type}: ${message}`,
    attributes: plainAttributes({
      "exception.type": type,
      "exception.message": message,
      "exception.stacktrace": stack,
      ...(typeof event.event_id === "string" ? { "sentry.event_id": event.event_id } : {}),
    }),
  };
}

function fromLog(log: Json): OtlpLogRecord {
  const time = nanos(log.timestamp);
  // The SDK writes the active span's id as an attribute; OTLP has a field for it.
  const spanId = (log.attributes as Attributes | undefined)?.["sentry.trace.parent_span_id"]?.value;
  return {
    timeUnixNano: time,
    observedTimeUnixNano: time,
    severityNumber: typeof log.severity_number === "number" ? log.severity_number : 9,
    severityText: String(log.level ?? "info"),
    body: { stringValue: String(log.body ?? "") },
    attributes: typedAttributes(log.attributes as Attributes),
    ...(typeof log.trace_id === "string" ? { traceId: log.trace_id } : {}),
    ...(typeof spanId === "string" ? { spanId } : {}),
  };
}

/** The resource every request names: OTEL_RESOURCE_ATTRIBUTES, then ours, then OTEL_SERVICE_NAME. */
export function resourceAttributes(settings: OtlpSettings, resource: OtlpResource): KeyValue[] {
  const values: Record<string, string> = {
    "service.name": SERVICE_NAME,
    ...settings.resourceAttributes,
    "deployment.environment": resource.environment,
    "deployment.environment.name": resource.environment,
    "mcp.server.name": resource.mcpServerName,
  };
  if (resource.serviceVersion) values["service.version"] = resource.serviceVersion;
  if (settings.serviceName) values["service.name"] = settings.serviceName;
  return Object.entries(values).map(([key, value]) => ({ key, value: { stringValue: value } }));
}

/**
 * Re-encodes envelopes as at most one OTLP trace request and one log request. Error events become
 * `exception` events on their span when it is in the same batch; otherwise (an unsampled call, or
 * a span that ended in another drain) an ERROR log record in the span's trace, so none is lost.
 * Metrics (`trace_metric`), client reports and attachments are not exported.
 */
export function toOtlp(envelopes: Envelope[], resource: KeyValue[]): OtlpBatch {
  const spans: OtlpSpan[] = [];
  const logs: OtlpLogRecord[] = [];
  const exceptions: Exception[] = [];
  for (const [header, items] of envelopes) {
    const traceId = (header as { trace?: { trace_id?: string } }).trace?.trace_id;
    for (const [itemHeader, payload] of items) {
      if (typeof payload !== "object" || payload === null || payload instanceof Uint8Array) continue;
      const body = payload as unknown as Json;
      const type = itemHeader.type;
      if (type === "span") for (const span of (body.items as Json[]) ?? []) spans.push(fromStreamed(span));
      else if (type === "log") for (const log of (body.items as Json[]) ?? []) logs.push(fromLog(log));
      else if (type === "transaction") spans.push(...fromTransaction(body, traceId));
      else if (type === "event") {
        const exception = fromErrorEvent(body);
        if (exception) exceptions.push(exception);
      }
    }
  }
  for (const exception of exceptions) {
    const span = spans.find((s) => s.spanId === exception.spanId && s.traceId === exception.traceId);
    if (span) {
      span.events.push({ timeUnixNano: exception.time, name: "exception", attributes: exception.attributes });
      continue;
    }
    logs.push({
      timeUnixNano: exception.time,
      observedTimeUnixNano: exception.time,
      severityNumber: SEVERITY_ERROR,
      severityText: "error",
      body: { stringValue: exception.summary },
      attributes: exception.attributes,
      ...(exception.traceId ? { traceId: exception.traceId } : {}),
      ...(exception.spanId ? { spanId: exception.spanId } : {}),
    });
  }
  const out: OtlpBatch = {};
  if (spans.length > 0)
    out.traces = {
      resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: SCOPE, spans }] }],
    };
  if (logs.length > 0)
    out.logs = {
      resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope: SCOPE, logRecords: logs }] }],
    };
  return out;
}

/** The OTLP leg of the batching transport: it keeps what a drain hands it and posts it with its own timeout. */
export interface OtlpExporter {
  /**
   * Converts and posts envelopes, aborting what is still pending after the export timeout or
   * `timeoutMs` (a flush's), whichever is sooner. Resolves true when every request finished (taken
   * or refused), false when the deadline cut one off; never rejects.
   */
  export(envelopes: Envelope[], timeoutMs?: number): Promise<boolean>;
}

/** Export failures this isolate has logged, by signal and reason. */
const loggedFailures = new Set<string>();
/** Console only: a Sentry log line about the export would itself be exported, and fail the same way. */
const consoleLog = createLogger({}, { toSentry: false });

/**
 * Says once per isolate, per signal and reason, that the collector did not take an export (and again
 * after it took one since): without it a wrong endpoint or key would drop everything in silence.
 * Names no URL or header (a key may be in them).
 */
function warnOnce(signal: "traces" | "logs", reason: string): void {
  const key = `${signal}:${reason}`;
  if (loggedFailures.has(key)) return;
  if (loggedFailures.size >= 32) loggedFailures.clear();
  loggedFailures.add(key);
  consoleLog.warn("OTLP export dropped: the collector did not accept it", {
    "otlp.signal": signal,
    "otlp.reason": reason,
  });
}

/** The collector took an export of this signal: its next failure is worth saying again. */
function recovered(signal: "traces" | "logs"): void {
  for (const key of loggedFailures) if (key.startsWith(`${signal}:`)) loggedFailures.delete(key);
}

/**
 * An exporter for these settings. A failed or late request is dropped (no retry: the next drain
 * carries new data, and a queue would hold memory while a collector is down); it never holds up or
 * fails the Sentry leg.
 */
export function createOtlpExporter(
  settings: OtlpSettings,
  resource: OtlpResource,
  compress: (body: string) => Promise<ArrayBuffer>,
): OtlpExporter {
  const attributes = resourceAttributes(settings, resource);
  const post = async (
    kind: "traces" | "logs",
    url: string,
    extra: Record<string, string>,
    payload: unknown,
    signal: AbortSignal,
  ) => {
    let request: { headers: Headers; body: string | ArrayBuffer };
    try {
      // Inside the try: a header the runtime refuses, or a failed compression, must be said like
      // any other failure, not lose every export in silence.
      const headers = new Headers(extra);
      headers.set("Content-Type", "application/json");
      if (settings.gzip) headers.set("Content-Encoding", "gzip");
      const json = JSON.stringify(payload);
      request = { headers, body: settings.gzip ? await compress(json) : json };
    } catch {
      warnOnce(kind, "request_error");
      return true;
    }
    let response: Response;
    try {
      response = await suppressTracing(() => fetch(url, { method: "POST", ...request, signal }));
    } catch {
      warnOnce(kind, signal.aborted ? "timeout" : "network_error");
      // Cut off by the deadline is what makes an export late; a refusal is an answer.
      return !signal.aborted;
    }
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) warnOnce(kind, `http_${response.status}`);
    else recovered(kind);
    return true;
  };
  return {
    async export(envelopes, timeoutMs) {
      let batch: OtlpBatch;
      try {
        batch = toOtlp(envelopes, attributes);
      } catch {
        return true;
      }
      const controller = new AbortController();
      // Per drain, the collector gets this long, and no longer than the flush waiting on it (at a
      // process's exit); Sentry's leg never waits on it.
      const deadline =
        timeoutMs && timeoutMs > 0 ? Math.min(timeoutMs, settings.timeoutMs) : settings.timeoutMs;
      const timer = setTimeout(() => controller.abort(), deadline);
      const requests: Promise<boolean>[] = [];
      if (batch.traces && settings.tracesUrl)
        requests.push(
          post("traces", settings.tracesUrl, settings.signalHeaders.traces, batch.traces, controller.signal),
        );
      if (batch.logs && settings.logsUrl)
        requests.push(
          post("logs", settings.logsUrl, settings.signalHeaders.logs, batch.logs, controller.signal),
        );
      const finished = await Promise.all(requests);
      clearTimeout(timer);
      return finished.every(Boolean);
    },
  };
}
