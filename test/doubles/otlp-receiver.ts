/**
 * An OTLP/HTTP receiver double: it accepts what the server posts to `/v1/traces` and `/v1/logs` (or
 * any path under its origin, for signal-specific endpoints) and keeps it for assertions. It decodes
 * with the OpenTelemetry project's own generated protobuf classes (opentelemetry-proto, as shipped in
 * @opentelemetry/otlp-transformer): the JSON is read with the message's `fromObject`, encoded to
 * protobuf bytes and decoded back. What the tests read is that decoded message, so a field the
 * schema does not know, or a value of the wrong type, cannot reach an assertion; every field the
 * schema dropped is listed in `dropped`. Test code reads the receiver over HTTP (`GET /__otlp/...`),
 * as with the Sentry sink.
 */

import { createRequire } from "node:module";
import { readBody, type SinkMode, until } from "./sentry-sink";

const require = createRequire(import.meta.url);

interface ProtoMessage {
  fromObject(object: unknown): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
}

const { opentelemetry } = require("@opentelemetry/otlp-transformer/build/src/generated/root.js") as {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: ProtoMessage } };
        logs: { v1: { ExportLogsServiceRequest: ProtoMessage } };
      };
    };
  };
};

const TRACES = opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const LOGS = opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;

/** One request as received and decoded. */
export interface OtlpRequest {
  signal: "traces" | "logs";
  path: string;
  headers: Record<string, string>;
  encoding: string;
  /** Bytes on the wire. */
  bytes: number;
  /** The request body as sent (decompressed), for the privacy scan. */
  raw: string;
  /** The decoded message (protobuf round trip), ids as hex, int64 as strings, enums as numbers. */
  message: Record<string, unknown>;
  /** Paths of fields in the JSON that the schema did not keep. */
  dropped: string[];
}

export interface OtlpReceiver {
  handles(request: Request): boolean;
  fetch(request: Request): Promise<Response>;
  /** What arrived so far (the bench reads it in-process). */
  requests(): OtlpRequest[];
  clear(): void;
}

/**
 * OTLP's JSON mapping writes trace and span ids as hex, where protobuf's canonical JSON writes bytes as
 * base64: the one documented exception, applied to these fields before and after the schema reads them.
 */
const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);

function mapIds(value: unknown, convert: (id: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapIds(item, convert));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        ID_FIELDS.has(key) && typeof inner === "string" ? convert(inner) : mapIds(inner, convert),
      ]),
    );
  }
  return value;
}

const hexToBase64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
const base64ToHex = (b64: string) => Buffer.from(b64, "base64").toString("hex");

/** Leaf paths of `sent` that are missing from `kept` (array indices included). */
function droppedPaths(sent: unknown, kept: unknown, path = ""): string[] {
  if (Array.isArray(sent)) {
    const keptArray = Array.isArray(kept) ? kept : [];
    return sent.flatMap((item, index) => droppedPaths(item, keptArray[index], `${path}[${index}]`));
  }
  if (sent && typeof sent === "object") {
    const keptObject = (kept && typeof kept === "object" ? kept : {}) as Record<string, unknown>;
    return Object.entries(sent).flatMap(([key, inner]) =>
      droppedPaths(inner, keptObject[key], path ? `${path}.${key}` : key),
    );
  }
  // Defaults (0, false, "") are not written by protobuf; the schema still knew the field.
  if (kept === undefined && sent !== 0 && sent !== false && sent !== "" && sent !== "0") return [path];
  return [];
}

/** Reads one OTLP JSON body with the opentelemetry-proto schema. */
export function decodeOtlp(
  signal: "traces" | "logs",
  json: unknown,
): { message: Record<string, unknown>; dropped: string[] } {
  const type = signal === "traces" ? TRACES : LOGS;
  const bytes = type.encode(type.fromObject(mapIds(json, hexToBase64))).finish();
  const decoded = type.toObject(type.decode(bytes), { longs: String, enums: Number, bytes: String });
  const message = mapIds(decoded, base64ToHex) as Record<string, unknown>;
  return { message, dropped: droppedPaths(json, message) };
}

/**
 * Creates a receiver answering at `origin` (e.g. `http://otlp.test`). With `decode: false` (the
 * bench, whose own process must stay idle while it times calls) it keeps only sizes and bodies.
 */
export function createOtlpReceiver(
  origin: string,
  { decode = true }: { decode?: boolean } = {},
): OtlpReceiver {
  const received: OtlpRequest[] = [];
  let mode: SinkMode = { mode: "ok" };
  // Requests that met a refusing receiver: a test waits for one before it lets the receiver recover.
  let refused = 0;
  const waiters = new Set<() => void>();

  return {
    handles: (request) => new URL(request.url).origin === origin,
    requests: () => received,
    clear: () => {
      received.length = 0;
    },
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname.startsWith("/__otlp/")) return control(request, url);
      if (request.method !== "POST") return new Response("otlp receiver: POST only", { status: 405 });
      if (mode.mode === "refuse") {
        refused++;
        for (const wake of waiters) wake();
        throw new TypeError("otlp receiver: connection refused");
      }
      const delay = mode.mode === "slow" ? mode.delayMs : 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const signal = /traces/.test(url.pathname) ? "traces" : /logs/.test(url.pathname) ? "logs" : undefined;
      if (!signal) return new Response("otlp receiver: unknown signal", { status: 404 });
      if (!(request.headers.get("content-type") ?? "").startsWith("application/json"))
        return new Response("otlp receiver: JSON only", { status: 415 });
      const body = await readBody(request);
      if (body instanceof Response) return body;
      const { raw, wireBytes: wire, encoding } = body;
      let decoded: ReturnType<typeof decodeOtlp> = { message: {}, dropped: [] };
      try {
        if (decode) decoded = decodeOtlp(signal, JSON.parse(raw));
      } catch (error) {
        return new Response(`otlp receiver: undecodable: ${String(error)}`, { status: 400 });
      }
      received.push({
        signal,
        path: url.pathname,
        headers: Object.fromEntries(request.headers),
        encoding,
        bytes: wire,
        raw,
        ...decoded,
      });
      for (const wake of waiters) wake();
      // An ExportTraceServiceResponse / ExportLogsServiceResponse with no partial success.
      return Response.json({});
    },
  };

  async function control(request: Request, url: URL): Promise<Response> {
    if (url.pathname === "/__otlp/mode" && request.method === "POST") {
      const next = (await request.json()) as { mode?: unknown; delayMs?: unknown };
      if (next.mode === "slow") mode = { mode: "slow", delayMs: Number(next.delayMs) || 5000 };
      else if (next.mode === "ok" || next.mode === "refuse") mode = { mode: next.mode };
      else return new Response("mode must be ok, refuse or slow", { status: 400 });
      return new Response(null, { status: 204 });
    }
    const timeout = Math.min(Number(url.searchParams.get("timeout") ?? "0"), 10_000);
    if (url.pathname === "/__otlp/requests" && request.method === "GET") {
      const min = Number(url.searchParams.get("since") ?? "-1") + 1;
      await until(waiters, () => received.length >= min, timeout);
      return Response.json(received);
    }
    if (url.pathname === "/__otlp/refused" && request.method === "GET") {
      const min = Number(url.searchParams.get("atLeast") ?? "0");
      await until(waiters, () => refused >= min, timeout);
      return Response.json({ refused });
    }
    if (url.pathname === "/__otlp/clear" && request.method === "POST") {
      received.length = 0;
      mode = { mode: "ok" };
      return new Response(null, { status: 204 });
    }
    return new Response("otlp receiver: unknown route", { status: 404 });
  }
}
