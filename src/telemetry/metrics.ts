import * as Sentry from "@sentry/cloudflare";
import { ATTR, METRIC } from "./names";

/** Attributes every metric may carry: all low-cardinality and bounded by the catalog. */
export interface MetricLabels {
  method: string;
  target: string;
  outcome: string;
  clientFamily: string;
  transport: string;
}

/**
 * Records the per-operation metrics through Sentry's metrics API, for operations whose trace is not
 * sampled. A sampled operation's span already carries every value below (duration, method, target,
 * outcome, client family, transport, result size and token estimates), and Sentry counts sampled spans
 * extrapolated by their sample rate; the five records would repeat it in about 3.8 KB (0.6 KB gzipped)
 * per tool call. The metrics are what remains of an operation the sampler dropped. Names follow the
 * OpenTelemetry MCP conventions where they define one. Call it inside the operation's span.
 */
export function recordOperationMetrics(
  labels: MetricLabels,
  durationSeconds: number,
  resultBytes?: number,
  tokens?: { result: number; arguments: number },
): void {
  if (Sentry.getActiveSpan()?.isRecording()) return;
  const attributes = {
    [ATTR.METHOD_NAME]: labels.method,
    [ATTR.TARGET]: labels.target,
    [ATTR.OUTCOME]: labels.outcome,
    [ATTR.CLIENT_FAMILY]: labels.clientFamily,
    [ATTR.TRANSPORT]: labels.transport,
  };
  Sentry.metrics.distribution(METRIC.OPERATION_DURATION, durationSeconds, {
    unit: "second",
    attributes,
  });
  if (labels.method !== "tools/call") return;
  Sentry.metrics.count(METRIC.TOOL_CALLS, 1, { attributes });
  if (tokens !== undefined) {
    // Estimated context cost: what the result adds to the model's context and what the arguments took.
    for (const [direction, value] of [
      ["result", tokens.result],
      ["arguments", tokens.arguments],
    ] as const) {
      Sentry.metrics.distribution(METRIC.TOOL_CONTEXT_TOKENS, value, {
        attributes: { [ATTR.TARGET]: labels.target, [ATTR.TOKENS_DIRECTION]: direction },
      });
    }
  }
  if (resultBytes !== undefined) {
    Sentry.metrics.distribution(METRIC.TOOL_RESULT_SIZE, resultBytes, {
      unit: "byte",
      attributes: { [ATTR.TARGET]: labels.target },
    });
  }
}

/** Counts a reply the reply bound cut, per operation and target. */
export function recordTruncation(labels: MetricLabels): void {
  Sentry.metrics.count(METRIC.REPLY_TRUNCATED, 1, {
    attributes: {
      [ATTR.METHOD_NAME]: labels.method,
      [ATTR.TARGET]: labels.target,
      [ATTR.CLIENT_FAMILY]: labels.clientFamily,
      [ATTR.TRANSPORT]: labels.transport,
    },
  });
}
