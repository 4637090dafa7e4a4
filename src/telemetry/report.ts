import * as Sentry from "@sentry/core";
import type { ErrorVerdict } from "../errors";

/** Configuration failures already reported by this isolate, by message. */
const reportedOnce = new Set<string>();

/**
 * Reports an error as the classifier decided, for the HTTP edge and the MCP edge alike. Returns the
 * Event ID to quote when an event was sent to a configured Sentry, undefined otherwise. A `once`
 * verdict (the operator's to fix) is sent the first time this isolate meets that message only: a
 * misconfigured server would otherwise report every request it refuses.
 */
export function reportError(error: unknown, verdict: ErrorVerdict, mechanism: string): string | undefined {
  if (verdict.report === "never") return undefined;
  if (verdict.report === "once") {
    const key = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (reportedOnce.has(key)) return undefined;
    if (reportedOnce.size >= 64) reportedOnce.clear();
    reportedOnce.add(key);
  }
  const eventId = Sentry.captureException(error, { mechanism: { type: mechanism, handled: false } });
  return Sentry.getClient()?.getDsn() !== undefined ? eventId : undefined;
}
