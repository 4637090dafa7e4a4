/**
 * The dashboard panels and alerts an MCP team needs, as data: what is measured, how it is aggregated,
 * filtered and grouped, and when an alert fires. One definition feeds three consumers: the Sentry
 * renderer (`npm run observability`), the local evaluator (`./evaluate.ts`, for the dev page and the
 * alert tests) and the Queries section of docs/telemetry.md (`./markdown.ts`). Every name comes from
 * `src/telemetry/names.ts`, the constants the telemetry code emits with, so a rename changes both.
 *
 * Spans are the primary dataset: at the default sample rate (1) every call is a span, and Sentry
 * extrapolates sampled counts by their sample rate. The metrics cover only calls whose trace was not
 * sampled, so each definition also carries its `unsampled` metric form where one exists; spans plus
 * metrics count every call.
 */

import { ATTR, METHOD, METRIC, OUTCOME, SPAN_OP, TOKENS_DIRECTION } from "../telemetry/names";

export type Dataset = "spans" | "metrics" | "logs";

/** Fields that are not attributes: Sentry's own span properties, and a metric record's value. */
export const FIELD = {
  /** The span op (`span.op` in Sentry's span search). */
  SPAN_OP: "span.op",
  /** The span's duration in milliseconds. */
  SPAN_DURATION: "span.duration",
  /** The span's name, e.g. `tools/call get_issue` (Sentry: `span.description`). */
  SPAN_NAME: "span.description",
  /** A metric record's value (its unit is the metric's). */
  VALUE: "value",
} as const;

/**
 * The span attributes the telemetry sends as booleans (src/telemetry/protocol.ts), which the definitions
 * compare with "true" / "false". Sentry's search reads a bare custom key as a string, so the renderer
 * writes these `tags[<key>,boolean]`; a test holds this list to the types really sent.
 */
export const BOOLEAN_ATTRIBUTES: readonly string[] = [
  ATTR.ARGUMENTS_VALID,
  ATTR.RESULT_TRUNCATED,
  ATTR.RESOURCE_REREAD,
];

export type Aggregate =
  | { fn: "count" }
  /** `field`: "span.duration" (ms), a span attribute, or "value" for metrics. */
  | { fn: "sum" | "avg" | "p50" | "p95" | "max"; field: string }
  | { fn: "count_if"; field: string; op: "equals" | "notEquals"; value: string };

export interface Filter {
  key: string;
  op: "equals" | "notEquals" | "in";
  value: string | readonly string[];
}

export interface Query {
  dataset: Dataset;
  /** Dataset "metrics" only. */
  metric?: { name: string; type: "counter" | "distribution"; unit?: string };
  aggregate: Aggregate;
  /** Spans: always includes span.op = mcp.server. */
  filters: readonly Filter[];
}

export type Measure =
  | { kind: "single"; query: Query }
  | { kind: "ratio"; numerator: Query; denominator: Query };

/** The same measure over the metrics, for the calls whose trace was not sampled. */
export interface UnsampledForm {
  measure: Measure;
  groupBy: readonly string[];
}

export interface PanelDefinition {
  id: string;
  title: string;
  description: string;
  display: "line" | "bar" | "table" | "big_number";
  unit: "ms" | "bytes" | "tokens" | "ratio" | "count";
  measure: Measure;
  groupBy: readonly string[];
  unsampled?: UnsampledForm;
}

export type Condition =
  | { kind: "threshold"; op: ">" | ">=" | "<" | "<=" | "=="; value: number }
  /** Fires when value > factor * baseline (the same measure over the comparison period). */
  | { kind: "relative"; factor: number; comparison: "1w" | "1d" };

export interface AlertDefinition {
  id: string;
  name: string;
  description: string;
  measure: Measure;
  /** e.g. [ATTR.TOOL_NAME] or [ATTR.CLIENT_FAMILY]. */
  groupBy: readonly string[];
  condition: Condition;
  window: "5m" | "10m" | "1h" | "1d";
  /** Local evaluation ignores groups with fewer denominator samples. */
  minSamples?: number;
  unsampled?: UnsampledForm;
}

/** A window's length in milliseconds. */
export const WINDOW_MS: Readonly<
  Record<AlertDefinition["window"] | Extract<Condition, { kind: "relative" }>["comparison"], number>
> = {
  "5m": 5 * 60_000,
  "10m": 10 * 60_000,
  "1h": 60 * 60_000,
  "1d": 24 * 60 * 60_000,
  "1w": 7 * 24 * 60 * 60_000,
};

// Building blocks. Each query below is written out of these, so that a filter means the same thing in
// every definition that uses it.

const equals = (key: string, value: string): Filter => ({ key, op: "equals", value });
const mcpSpans = (...filters: Filter[]): Filter[] => [equals(FIELD.SPAN_OP, SPAN_OP.MCP_SERVER), ...filters];
const toolCalls = mcpSpans(equals(ATTR.METHOD_NAME, METHOD.TOOLS_CALL));
const resourceReads = mcpSpans(equals(ATTR.METHOD_NAME, METHOD.RESOURCES_READ));
const replies = mcpSpans({
  key: ATTR.METHOD_NAME,
  op: "in",
  value: [METHOD.TOOLS_CALL, METHOD.RESOURCES_READ, METHOD.PROMPTS_GET],
});

const spans = (aggregate: Aggregate, filters: readonly Filter[]): Query => ({
  dataset: "spans",
  aggregate,
  filters,
});
const single = (query: Query): Measure => ({ kind: "single", query });
const ratio = (numerator: Query, denominator: Query): Measure => ({ kind: "ratio", numerator, denominator });
const countIf = (field: string, op: "equals" | "notEquals", value: string): Aggregate => ({
  fn: "count_if",
  field,
  op,
  value,
});
const COUNT: Aggregate = { fn: "count" };

/** Share of tool-call spans whose `field` has (or lacks) `value`. */
const toolCallShare = (field: string, op: "equals" | "notEquals", value: string): Measure =>
  ratio(spans(countIf(field, op, value), toolCalls), spans(COUNT, toolCalls));

/** One aggregate of a metric's values. */
const metricOf = (
  metric: NonNullable<Query["metric"]>,
  fn: "sum" | "avg" | "p50" | "p95",
  filters: readonly Filter[] = [],
): Query => ({ dataset: "metrics", metric, aggregate: { fn, field: FIELD.VALUE }, filters });
const metricSum = (metric: NonNullable<Query["metric"]>, filters: readonly Filter[] = []): Query =>
  metricOf(metric, "sum", filters);
const TOOL_CALLS_METRIC = { name: METRIC.TOOL_CALLS, type: "counter" } as const;
/** Unsampled tool calls with an outcome among `outcomes`, over all unsampled tool calls. */
const unsampledOutcomeShare = (outcomes: readonly string[], groupBy: readonly string[]): UnsampledForm => ({
  measure: ratio(
    metricSum(TOOL_CALLS_METRIC, [{ key: ATTR.OUTCOME, op: "in", value: outcomes }]),
    metricSum(TOOL_CALLS_METRIC),
  ),
  groupBy,
});
/** Share of tool calls ending in `outcome`, on spans and (unsampled) on `mcp.tool.calls`. */
const outcomeShare = (outcome: string, groupBy: readonly string[], metricGroupBy = groupBy) => ({
  measure: toolCallShare(ATTR.OUTCOME, "equals", outcome),
  groupBy,
  unsampled: unsampledOutcomeShare([outcome], metricGroupBy),
});
const DURATION_METRIC = { name: METRIC.OPERATION_DURATION, type: "distribution", unit: "second" } as const;
const RESULT_SIZE_METRIC = { name: METRIC.TOOL_RESULT_SIZE, type: "distribution", unit: "byte" } as const;
const TOKENS_METRIC = { name: METRIC.TOOL_CONTEXT_TOKENS, type: "distribution" } as const;
const resultTokens = [equals(ATTR.TOKENS_DIRECTION, TOKENS_DIRECTION.RESULT)];
const toolDurations = [equals(ATTR.METHOD_NAME, METHOD.TOOLS_CALL)];

/** Every outcome but success. */
const FAILURES = Object.values(OUTCOME).filter((outcome) => outcome !== OUTCOME.SUCCESS);

const BY_TOOL = [ATTR.TOOL_NAME] as const;
const BY_TARGET = [ATTR.TARGET] as const;

/**
 * A per-tool aggregate of a span field, and the same aggregate of the metric that carries the value for
 * unsampled calls (grouped by `mcp.target`, the metrics' name for the tool).
 */
const perTool = (
  fn: "sum" | "avg" | "p50" | "p95",
  field: string,
  metric: NonNullable<Query["metric"]>,
  metricFilters: readonly Filter[] = [],
) => ({
  measure: single(spans({ fn, field }, toolCalls)),
  groupBy: BY_TOOL,
  unsampled: { measure: single(metricOf(metric, fn, metricFilters)), groupBy: BY_TARGET },
});
/** A tool's call duration percentile: spans in ms, the unsampled metric in seconds. */
const toolLatency = (fn: "p50" | "p95") => perTool(fn, FIELD.SPAN_DURATION, DURATION_METRIC, toolDurations);

const SPANS_NOTE = "Spans cover the sampled calls (Sentry extrapolates their counts by sample rate).";
const METRICS_NOTE = "Unsampled calls are only in the metric form below; under 100% sampling add the two.";

export const PANELS: readonly PanelDefinition[] = [
  {
    id: "calls-per-tool",
    title: "Calls per tool",
    description: `Tool calls over time, per tool. ${SPANS_NOTE} ${METRICS_NOTE}`,
    display: "line",
    unit: "count",
    measure: single(spans(COUNT, toolCalls)),
    groupBy: BY_TOOL,
    unsampled: { measure: single(metricSum(TOOL_CALLS_METRIC)), groupBy: BY_TARGET },
  },
  {
    id: "calls-per-session",
    title: "Calls per tool per session",
    description: `Which sessions call which tools how often: loops and chatty agents stand out. ${SPANS_NOTE} The metrics carry no session id, so unsampled calls are missing here.`,
    display: "table",
    unit: "count",
    measure: single(spans(COUNT, toolCalls)),
    groupBy: [ATTR.SESSION_ID, ATTR.TOOL_NAME],
  },
  {
    id: "latency-p50-by-tool",
    title: "p50 latency by tool",
    description: `Median tool-call duration. ${SPANS_NOTE} The metric form is in seconds, not milliseconds.`,
    display: "line",
    unit: "ms",
    ...toolLatency("p50"),
  },
  {
    id: "latency-p95-by-tool",
    title: "p95 latency by tool",
    description: `The slow tail of each tool's calls. ${SPANS_NOTE} The metric form is in seconds, not milliseconds.`,
    display: "line",
    unit: "ms",
    ...toolLatency("p95"),
  },
  {
    id: "error-rate-by-tool",
    title: "Error rate by tool",
    description: `Share of tool calls that did not succeed (any outcome but success). ${SPANS_NOTE} ${METRICS_NOTE}`,
    display: "line",
    unit: "ratio",
    measure: toolCallShare(ATTR.OUTCOME, "notEquals", OUTCOME.SUCCESS),
    groupBy: BY_TOOL,
    unsampled: unsampledOutcomeShare(FAILURES, BY_TARGET),
  },
  {
    id: "outcomes-over-time",
    title: "Outcomes over time",
    description: `Tool calls by how they ended: success, tool_error, validation_error, rate_limited, protocol_error, cancelled. ${SPANS_NOTE} ${METRICS_NOTE}`,
    display: "line",
    unit: "count",
    measure: single(spans(COUNT, toolCalls)),
    groupBy: [ATTR.OUTCOME],
    unsampled: { measure: single(metricSum(TOOL_CALLS_METRIC)), groupBy: [ATTR.OUTCOME] },
  },
  {
    id: "calls-by-client",
    title: "Calls by client family and transport",
    description: `Tool calls per client family (claude, cursor, vscode, inspector, mcp-remote, other) and transport. ${SPANS_NOTE} ${METRICS_NOTE}`,
    display: "bar",
    unit: "count",
    measure: single(spans(COUNT, toolCalls)),
    groupBy: [ATTR.CLIENT_FAMILY, ATTR.TRANSPORT],
    unsampled: {
      measure: single(metricSum(TOOL_CALLS_METRIC)),
      groupBy: [ATTR.CLIENT_FAMILY, ATTR.TRANSPORT],
    },
  },
  {
    id: "error-rate-by-client",
    title: "Tool error rate by client family",
    description: `Share of tool calls answered with isError (tool_error) per client family: agents swallow these, so this is where they show. ${SPANS_NOTE} ${METRICS_NOTE}`,
    display: "line",
    unit: "ratio",
    ...outcomeShare(OUTCOME.TOOL_ERROR, [ATTR.CLIENT_FAMILY]),
  },
  {
    id: "reread-rate",
    title: "Resource re-read rate",
    description: `Share of resource reads that read a URI the session had read before, per template. ${SPANS_NOTE} There is no metric form: re-reads are recorded on spans only.`,
    display: "line",
    unit: "ratio",
    measure: ratio(
      spans(countIf(ATTR.RESOURCE_REREAD, "equals", "true"), resourceReads),
      spans(COUNT, resourceReads),
    ),
    groupBy: [ATTR.RESOURCE_TEMPLATE],
  },
  {
    id: "clients",
    title: "Clients",
    description: `Sessions started (initialize requests) per client family and client version. ${SPANS_NOTE} The metric form has no client version.`,
    display: "table",
    unit: "count",
    measure: single(spans(COUNT, mcpSpans(equals(ATTR.METHOD_NAME, METHOD.INITIALIZE)))),
    groupBy: [ATTR.CLIENT_FAMILY, ATTR.CLIENT_VERSION],
  },
  {
    id: "result-size-p95-by-tool",
    title: "Result size p95 by tool",
    description: `The largest results each tool returns (UTF-8 bytes of text sent to the model). ${SPANS_NOTE} ${METRICS_NOTE}`,
    display: "bar",
    unit: "bytes",
    ...perTool("p95", ATTR.RESULT_BYTES, RESULT_SIZE_METRIC),
  },
  {
    id: "token-cost-by-tool",
    title: "Context cost per tool",
    description: `Estimated tokens the results add to the model's context, summed per tool (o200k-equivalent estimates, see Token estimates). ${SPANS_NOTE} ${METRICS_NOTE}`,
    display: "bar",
    unit: "tokens",
    ...perTool("sum", ATTR.RESULT_TOKENS, TOKENS_METRIC, resultTokens),
  },
  {
    id: "token-cost-per-call",
    title: "Context cost per call",
    description: `Estimated result tokens per call, averaged per tool. ${SPANS_NOTE} ${METRICS_NOTE}`,
    display: "bar",
    unit: "tokens",
    ...perTool("avg", ATTR.RESULT_TOKENS, TOKENS_METRIC, resultTokens),
  },
  {
    id: "failures-logged",
    title: "Failed requests (logs)",
    description:
      "Log lines of MCP requests that did not succeed, per target and outcome. Sentry Logs get one line per failed request, sampled or not, so this counts every failure.",
    display: "table",
    unit: "count",
    measure: single({
      dataset: "logs",
      aggregate: COUNT,
      filters: [{ key: ATTR.OUTCOME, op: "in", value: FAILURES }],
    }),
    groupBy: [ATTR.TARGET, ATTR.OUTCOME],
  },
];

export const ALERTS: readonly AlertDefinition[] = [
  {
    id: "tool-error-rate",
    name: "MCP: tool error rate over 5%",
    description: `A tool's calls end in tool_error (an isError reply: GitHub failures, bad input, bugs) more than 5% of the time over 10 minutes. ${SPANS_NOTE} ${METRICS_NOTE}`,
    ...outcomeShare(OUTCOME.TOOL_ERROR, BY_TOOL, BY_TARGET),
    condition: { kind: "threshold", op: ">", value: 0.05 },
    window: "10m",
    minSamples: 5,
  },
  {
    id: "tool-p95-regression",
    name: "MCP: tool p95 over twice its baseline",
    description: `A tool's p95 duration over the last hour is more than twice the same hour a week earlier. ${SPANS_NOTE} ${METRICS_NOTE} The metric is in seconds.`,
    ...toolLatency("p95"),
    condition: { kind: "relative", factor: 2, comparison: "1w" },
    window: "1h",
    minSamples: 5,
  },
  {
    id: "tool-volume-zero",
    name: "MCP: tool volume dropped to zero",
    description: `A tool that had calls in the baseline period has none in the last hour: a client stopped finding it, or the catalog lost it. ${SPANS_NOTE} With sampling below 100% a quiet hour can be a sampled-out one: use the metric form (sum of both) there.`,
    measure: single(spans(COUNT, toolCalls)),
    groupBy: BY_TOOL,
    condition: { kind: "threshold", op: "==", value: 0 },
    window: "1h",
    unsampled: { measure: single(metricSum(TOOL_CALLS_METRIC)), groupBy: BY_TARGET },
  },
  {
    id: "schema-mismatch-rate",
    name: "MCP: schema mismatch over 10%",
    description: `More than 10% of a tool's calls over the last hour carry arguments its schema rejects (validation_error): the description or schema misleads models. ${SPANS_NOTE} ${METRICS_NOTE}`,
    measure: toolCallShare(ATTR.ARGUMENTS_VALID, "equals", "false"),
    groupBy: BY_TOOL,
    condition: { kind: "threshold", op: ">", value: 0.1 },
    window: "1h",
    minSamples: 5,
    unsampled: unsampledOutcomeShare([OUTCOME.VALIDATION_ERROR], BY_TARGET),
  },
  {
    id: "silent-error-rate-by-client",
    name: "MCP: silent isError rate per client family",
    description: `More than 5% of a client family's tool calls over the last hour got an isError reply. Agents swallow these, so this alert is the only place they show. ${SPANS_NOTE} ${METRICS_NOTE}`,
    ...outcomeShare(OUTCOME.TOOL_ERROR, [ATTR.CLIENT_FAMILY]),
    condition: { kind: "threshold", op: ">", value: 0.05 },
    window: "1h",
    minSamples: 5,
  },
  {
    id: "replies-truncated",
    name: "MCP: replies cut by the reply bound",
    description: `A tool, resource or prompt reply was cut by MCP_MAX_REPLY_BYTES in the last day: it returns more than a model should read at once. Grouped by span name (tools/call {tool}, resources/read {template}). ${SPANS_NOTE} The metric mcp.reply.truncated counts every cut, sampled or not, grouped by mcp.target.`,
    measure: single(spans(COUNT, [...replies, equals(ATTR.RESULT_TRUNCATED, "true")])),
    groupBy: [FIELD.SPAN_NAME],
    condition: { kind: "threshold", op: ">", value: 0 },
    window: "1d",
    unsampled: {
      measure: single(metricSum({ name: METRIC.REPLY_TRUNCATED, type: "counter" })),
      groupBy: BY_TARGET,
    },
  },
  {
    id: "rate-limited",
    name: "MCP: users held back by the rate limit",
    description: `More than 1% of a client family's tool calls over the last hour were refused by the per-user rate limit (rate_limited): the limit is too low for real use, or an agent is looping. ${SPANS_NOTE} ${METRICS_NOTE}`,
    ...outcomeShare(OUTCOME.RATE_LIMITED, [ATTR.CLIENT_FAMILY]),
    condition: { kind: "threshold", op: ">", value: 0.01 },
    window: "1h",
    minSamples: 5,
  },
  {
    id: "result-size-p95",
    name: "MCP: result size p95 over 10 KB",
    description: `A tool's p95 result over the last hour is larger than 10 KB (10240 UTF-8 bytes of text): it fills the model's context. ${SPANS_NOTE} ${METRICS_NOTE}`,
    ...perTool("p95", ATTR.RESULT_BYTES, RESULT_SIZE_METRIC),
    condition: { kind: "threshold", op: ">", value: 10_240 },
    window: "1h",
    minSamples: 3,
  },
  {
    id: "resource-reread-rate",
    name: "MCP: resource re-read rate over 20%",
    description: `More than 20% of a resource template's reads over the last hour read a URI the session had read before: the model is not keeping what it read. ${SPANS_NOTE} There is no metric form: re-reads are recorded on spans only.`,
    measure: ratio(
      spans(countIf(ATTR.RESOURCE_REREAD, "equals", "true"), resourceReads),
      spans(COUNT, resourceReads),
    ),
    groupBy: [ATTR.RESOURCE_TEMPLATE],
    condition: { kind: "threshold", op: ">", value: 0.2 },
    window: "1h",
    minSamples: 5,
  },
  {
    id: "token-cost-per-tool",
    name: "MCP: tool token cost over twice its baseline",
    description: `A tool's estimated result tokens per call over the last hour are more than twice the same hour a week earlier: its results grew, and every call costs the model more context. ${SPANS_NOTE} ${METRICS_NOTE}`,
    ...perTool("avg", ATTR.RESULT_TOKENS, TOKENS_METRIC, resultTokens),
    condition: { kind: "relative", factor: 2, comparison: "1w" },
    window: "1h",
    minSamples: 5,
  },
];
