import * as Sentry from "@sentry/core";
import type { ErrorVerdict } from "../errors";
import { OTLP_ONLY_DSN } from "./otlp";

/** Configuration failures already reported by this isolate, by message. */
const reportedOnce = new Set<string>();

/** What a reply quotes so the operator can find a reported failure: a Sentry Event ID, or an OTLP trace id. */
export interface ErrorReference {
  label: "Event ID" | "Trace ID";
  id: string;
}

/**
 * Reports an error as the classifier decided, for the HTTP edge and the MCP edge alike. Returns what
 * to quote when the report went somewhere: the Event ID with a Sentry DSN; with OTLP only, the trace
 * id (the collector receives the error as an `exception` event of that trace). A `once` verdict (the
 * operator's to fix) is sent the first time this isolate meets that message only: a misconfigured
 * server would otherwise report every request it refuses.
 */
export function reportError(
  error: unknown,
  verdict: ErrorVerdict,
  mechanism: string,
): ErrorReference | undefined {
  if (verdict.report === "never") return undefined;
  if (verdict.report === "once") {
    const key = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (reportedOnce.has(key)) return undefined;
    if (reportedOnce.size >= 64) reportedOnce.clear();
    reportedOnce.add(key);
  }
  const eventId = Sentry.captureException(error, { mechanism: { type: mechanism, handled: false } });
  const client = Sentry.getClient();
  if (client?.getDsn() === undefined) return undefined;
  if (client.getOptions().dsn !== OTLP_ONLY_DSN) return { label: "Event ID", id: eventId };
  const traceId =
    Sentry.getActiveSpan()?.spanContext().traceId ?? Sentry.getCurrentScope().getPropagationContext().traceId;
  return { label: "Trace ID", id: traceId };
}
