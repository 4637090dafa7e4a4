/**
 * Trace context from an MCP request's `params._meta`, the MCP convention for carrying W3C trace
 * context across the agent boundary.
 */

/** What Sentry's `continueTrace` needs. */
export interface IncomingTrace {
  sentryTrace: string;
  baggage: string | undefined;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Converts a W3C `traceparent` into Sentry's `sentry-trace` form; undefined when malformed or all-zero. */
export function fromTraceparent(traceparent: unknown, baggage?: unknown): IncomingTrace | undefined {
  if (typeof traceparent !== "string") return undefined;
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!match) return undefined;
  const [, traceId = "", spanId = "", flags = "00"] = match;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  const sampled = (Number.parseInt(flags, 16) & 1) === 1 ? "1" : "0";
  return {
    sentryTrace: `${traceId}-${spanId}-${sampled}`,
    baggage: typeof baggage === "string" && baggage.length <= 8192 ? baggage : undefined,
  };
}

/** Reads `traceparent` / `baggage` from a request's `_meta`, if the client sent them. */
export function traceFromMeta(meta: unknown): IncomingTrace | undefined {
  if (meta === null || typeof meta !== "object") return undefined;
  const record = meta as Record<string, unknown>;
  return fromTraceparent(record.traceparent, record.baggage);
}
