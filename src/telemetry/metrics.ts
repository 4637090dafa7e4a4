import * as Sentry from "@sentry/core";

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
    "mcp.method.name": labels.method,
    "mcp.target": labels.target,
    "mcp.outcome": labels.outcome,
    "client.family": labels.clientFamily,
    "mcp.transport": labels.transport,
  };
  Sentry.metrics.distribution("mcp.server.operation.duration", durationSeconds, {
    unit: "second",
    attributes,
  });
  if (labels.method !== "tools/call") return;
  Sentry.metrics.count("mcp.tool.calls", 1, { attributes });
  if (tokens !== undefined) {
    // Estimated context cost: what the result adds to the model's context and what the arguments took.
    for (const [direction, value] of [
      ["result", tokens.result],
      ["arguments", tokens.arguments],
    ] as const) {
      Sentry.metrics.distribution("mcp.tool.context_tokens", value, {
        attributes: { "mcp.target": labels.target, "mcp.tokens.direction": direction },
      });
    }
  }
  if (resultBytes !== undefined) {
    Sentry.metrics.distribution("mcp.tool.result.size", resultBytes, {
      unit: "byte",
      attributes: { "mcp.target": labels.target },
    });
  }
}

/** Counts a reply the reply bound cut, per operation and target. */
export function recordTruncation(labels: MetricLabels): void {
  Sentry.metrics.count("mcp.reply.truncated", 1, {
    attributes: {
      "mcp.method.name": labels.method,
      "mcp.target": labels.target,
      "client.family": labels.clientFamily,
      "mcp.transport": labels.transport,
    },
  });
}
