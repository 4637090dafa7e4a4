import * as Sentry from "@sentry/core";
import type { Logger } from "../context";

type Fields = Record<string, string | number | boolean>;
type Level = "info" | "warn" | "error";

/**
 * The one logger: each line goes to Sentry Logs and, as one JSON object, to the console (Workers Logs
 * keeps it). Every line carries the active trace and span ids so a log can be found from its trace.
 * Callers pass identifiers and counts, never what a user typed. With `toSentry: false` the line goes to
 * the console only (for a line a sent span already carries).
 */
export function createLogger(base: Fields = {}, { toSentry = true }: { toSentry?: boolean } = {}): Logger {
  const write = (level: Level, message: string, fields: Fields = {}) => {
    const span = Sentry.getActiveSpan();
    const ids = span ? span.spanContext() : undefined;
    const line: Fields = { level, message, ...base, ...fields };
    if (ids) {
      line.trace_id = ids.traceId;
      line.span_id = ids.spanId;
    }
    if (toSentry) Sentry.logger[level](message, { ...base, ...fields });
    // biome-ignore lint/suspicious/noConsole: this is the logger; Workers Logs reads the console.
    console[level === "info" ? "log" : level](JSON.stringify(line));
  };
  return {
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}
