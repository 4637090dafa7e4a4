/**
 * Local evaluation of the panel and alert definitions over the telemetry itself: the records a Sentry
 * envelope carries (spans, trace metrics, logs) in, one value per group out. The dev page and the alert
 * tests use it, so the definitions that are applied to Sentry are also the ones that are checked here.
 *
 * Semantics, kept close to Sentry's:
 * - A filter `equals`/`in` compares the field's value as text (`true`, `42`); a record without the
 *   field does not match. `notEquals` matches a record without the field, as `!key:value` does.
 * - `p50`/`p95` interpolate linearly between the closest ranks; `sum`, `avg`, percentiles and `max`
 *   read only numeric values. An aggregate over no records is 0.
 * - A ratio is numerator / denominator per group (0 when the denominator is 0); its `samples` are the
 *   records the denominator counted. A single measure's `samples` are the records its filters matched.
 * - A group is the `groupBy` fields' values as text; a record without one of them has "" there.
 */

import type {
  Aggregate,
  AlertDefinition,
  Condition,
  Filter,
  Measure,
  PanelDefinition,
  Query,
} from "./definitions";
import { FIELD, WINDOW_MS } from "./definitions";

type Value = string | number | boolean;
type Attributes = Record<string, Value>;

export interface SpanRecord {
  op: string;
  name: string;
  /** When the span ended, in ms since the epoch. */
  timestamp: number;
  durationMs: number;
  attributes: Attributes;
}
export interface MetricRecord {
  name: string;
  type: string;
  value: number;
  timestamp: number;
  attributes: Attributes;
}
export interface LogRecord {
  level: string;
  body: string;
  timestamp: number;
  attributes: Attributes;
}
export interface TelemetryRecords {
  spans: SpanRecord[];
  metrics: MetricRecord[];
  logs: LogRecord[];
}

/** An empty record set, to fill with {@link addRecords}. */
export function emptyRecords(): TelemetryRecords {
  return { spans: [], metrics: [], logs: [] };
}

/** Appends `more` to `into` (in place) and returns `into`. */
export function addRecords(into: TelemetryRecords, more: TelemetryRecords): TelemetryRecords {
  into.spans.push(...more.spans);
  into.metrics.push(...more.metrics);
  into.logs.push(...more.logs);
  return into;
}

/**
 * From one parsed Sentry envelope ([headers, items] as @sentry/core parseEnvelope returns, each item
 * [itemHeader, payload] with the payload parsed or as bytes): streamed span containers, transaction
 * events with their child spans (Spotlight static mode), trace_metric and log items. Other items
 * (errors, client reports) hold no record. Also takes `{ header, items: [{ type, payload }] }`, the form
 * the test sink keeps.
 */
export function recordsFromEnvelope(envelope: unknown): TelemetryRecords {
  const records = emptyRecords();
  for (const [type, payload] of itemsOf(envelope)) {
    const body = asObject(payload);
    if (type === "span") records.spans.push(...listOf(body.items).map(streamedSpan));
    else if (type === "transaction") records.spans.push(...transactionSpans(body));
    else if (type === "trace_metric") records.metrics.push(...listOf(body.items).map(metricRecord));
    else if (type === "log") records.logs.push(...listOf(body.items).map(logRecord));
  }
  return records;
}

function itemsOf(envelope: unknown): Array<[string, unknown]> {
  if (Array.isArray(envelope)) {
    return listOf(envelope[1]).flatMap((item) => {
      if (!Array.isArray(item)) return [];
      return [[String(asObject(item[0]).type), decodePayload(item[1])] as [string, unknown]];
    });
  }
  const sinkForm = asObject(envelope);
  return listOf(sinkForm.items).map((item) => {
    const record = asObject(item);
    return [String(record.type), decodePayload(record.payload)];
  });
}

function decodePayload(payload: unknown): unknown {
  const text = payload instanceof Uint8Array ? new TextDecoder().decode(payload) : payload;
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function streamedSpan(item: unknown): SpanRecord {
  const span = asObject(item);
  const attributes = flatten(span.attributes);
  const end = secondsToMs(span.end_timestamp);
  return {
    op: String(attributes["sentry.op"] ?? ""),
    name: String(span.name ?? ""),
    timestamp: end,
    durationMs: end - secondsToMs(span.start_timestamp),
    attributes,
  };
}

function transactionSpans(event: Record<string, unknown>): SpanRecord[] {
  const trace = asObject(asObject(event.contexts).trace);
  const end = secondsToMs(event.timestamp);
  const root: SpanRecord = {
    op: String(trace.op ?? ""),
    name: String(event.transaction ?? ""),
    timestamp: end,
    durationMs: end - secondsToMs(event.start_timestamp),
    attributes: flatten(trace.data),
  };
  const children = listOf(event.spans).map((item): SpanRecord => {
    const span = asObject(item);
    const childEnd = secondsToMs(span.timestamp);
    return {
      op: String(span.op ?? ""),
      name: String(span.description ?? ""),
      timestamp: childEnd,
      durationMs: childEnd - secondsToMs(span.start_timestamp),
      attributes: flatten(span.data),
    };
  });
  return [root, ...children];
}

function metricRecord(item: unknown): MetricRecord {
  const metric = asObject(item);
  return {
    name: String(metric.name ?? ""),
    type: String(metric.type ?? ""),
    value: Number(metric.value ?? 0),
    timestamp: secondsToMs(metric.timestamp),
    attributes: flatten(metric.attributes),
  };
}

function logRecord(item: unknown): LogRecord {
  const log = asObject(item);
  return {
    level: String(log.level ?? ""),
    body: String(log.body ?? ""),
    timestamp: secondsToMs(log.timestamp),
    attributes: flatten(log.attributes),
  };
}

/** Streamed items write `{ value, type }` per attribute; transaction spans write the value itself. */
function flatten(attributes: unknown): Attributes {
  const out: Attributes = {};
  for (const [key, raw] of Object.entries(asObject(attributes))) {
    const value = typeof raw === "object" && raw !== null && "value" in raw ? raw.value : raw;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      out[key] = value;
  }
  return out;
}

function secondsToMs(seconds: unknown): number {
  return typeof seconds === "number" ? Math.round(seconds * 1000 * 1000) / 1000 : 0;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// ---- evaluation -----------------------------------------------------------------------------------

export interface GroupValue {
  group: Record<string, string>;
  value: number;
  samples: number;
}

type AnyRecord = SpanRecord | MetricRecord | LogRecord;

function fieldOf(dataset: Query["dataset"], record: AnyRecord, key: string): Value | undefined {
  if (dataset === "spans") {
    const span = record as SpanRecord;
    if (key === FIELD.SPAN_OP) return span.op;
    if (key === FIELD.SPAN_DURATION) return span.durationMs;
    if (key === FIELD.SPAN_NAME) return span.name;
  }
  if (dataset === "metrics" && key === FIELD.VALUE) return (record as MetricRecord).value;
  return record.attributes[key];
}

function matches(dataset: Query["dataset"], record: AnyRecord, filter: Filter): boolean {
  const value = fieldOf(dataset, record, filter.key);
  if (filter.op === "notEquals") return value === undefined || String(value) !== filter.value;
  if (value === undefined) return false;
  const wanted = typeof filter.value === "string" ? [filter.value] : filter.value;
  return wanted.includes(String(value));
}

function selected(query: Query, records: TelemetryRecords): AnyRecord[] {
  const pool: AnyRecord[] =
    query.dataset === "spans"
      ? records.spans
      : query.dataset === "logs"
        ? records.logs
        : records.metrics.filter(
            (metric) =>
              metric.name === query.metric?.name && (!query.metric.type || metric.type === query.metric.type),
          );
  return pool.filter((record) => query.filters.every((filter) => matches(query.dataset, record, filter)));
}

function aggregate(dataset: Query["dataset"], fn: Aggregate, records: AnyRecord[]): number {
  if (fn.fn === "count") return records.length;
  if (fn.fn === "count_if") {
    return records.filter((record) => {
      const value = fieldOf(dataset, record, fn.field);
      return fn.op === "equals"
        ? value !== undefined && String(value) === fn.value
        : value === undefined || String(value) !== fn.value;
    }).length;
  }
  const values = records
    .map((record) => fieldOf(dataset, record, fn.field))
    .filter((value): value is number => typeof value === "number" && Number.isFinite(value));
  if (values.length === 0) return 0;
  if (fn.fn === "sum") return values.reduce((a, b) => a + b, 0);
  if (fn.fn === "avg") return values.reduce((a, b) => a + b, 0) / values.length;
  if (fn.fn === "max") return Math.max(...values);
  return percentile(values, fn.fn === "p50" ? 0.5 : 0.95);
}

/** Linear interpolation between the closest ranks (numpy's default). */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low] ?? 0;
  const b = sorted[high] ?? a;
  return a + (b - a) * (rank - low);
}

interface Bucket {
  group: Record<string, string>;
  records: AnyRecord[];
}

function grouped(
  dataset: Query["dataset"],
  records: AnyRecord[],
  groupBy: readonly string[],
): Map<string, Bucket> {
  const buckets = new Map<string, Bucket>();
  for (const record of records) {
    const group = Object.fromEntries(
      groupBy.map((key) => [key, String(fieldOf(dataset, record, key) ?? "")]),
    );
    const id = JSON.stringify(groupBy.map((key) => group[key]));
    const bucket = buckets.get(id) ?? { group, records: [] };
    bucket.records.push(record);
    buckets.set(id, bucket);
  }
  return buckets;
}

/** One value per group of a measure over `records` (no time window: pass the records to count). */
export function evaluateMeasure(
  measure: Measure,
  groupBy: readonly string[],
  records: TelemetryRecords,
): GroupValue[] {
  const single = measure.kind === "single" ? measure.query : undefined;
  const numerator = single ?? (measure.kind === "ratio" ? measure.numerator : undefined);
  const denominator = measure.kind === "ratio" ? measure.denominator : undefined;
  if (!numerator) return [];
  const top = grouped(numerator.dataset, selected(numerator, records), groupBy);
  const bottom = denominator ? grouped(denominator.dataset, selected(denominator, records), groupBy) : top;
  const ids = new Set([...top.keys(), ...bottom.keys()]);
  const out: GroupValue[] = [];
  for (const id of ids) {
    const over = top.get(id);
    const under = bottom.get(id);
    const group = (over ?? under)?.group ?? {};
    const value = aggregate(numerator.dataset, numerator.aggregate, over?.records ?? []);
    if (!denominator) {
      out.push({ group, value, samples: over?.records.length ?? 0 });
      continue;
    }
    const base = aggregate(denominator.dataset, denominator.aggregate, under?.records ?? []);
    out.push({ group, value: base > 0 ? value / base : 0, samples: under?.records.length ?? 0 });
  }
  return out.sort((a, b) => b.value - a.value || groupKey(a.group).localeCompare(groupKey(b.group)));
}

function groupKey(group: Record<string, string>): string {
  return JSON.stringify(Object.entries(group));
}

function within(records: TelemetryRecords, from: number, to: number): TelemetryRecords {
  const keep = <T extends { timestamp: number }>(list: T[]) =>
    list.filter((record) => record.timestamp > from && record.timestamp <= to);
  return { spans: keep(records.spans), metrics: keep(records.metrics), logs: keep(records.logs) };
}

/**
 * A panel's value per group over the records that ended in (now - windowMs, now]; without `windowMs`,
 * over every record up to `now`.
 */
export function evaluatePanel(
  panel: PanelDefinition,
  records: TelemetryRecords,
  now: number,
  windowMs?: number,
): GroupValue[] {
  const from = windowMs === undefined ? Number.NEGATIVE_INFINITY : now - windowMs;
  return evaluateMeasure(panel.measure, panel.groupBy, within(records, from, now));
}

export interface AlertState extends GroupValue {
  firing: boolean;
  /** The value the group's must pass: the condition's, or factor x baseline (NaN: no baseline to compare). */
  threshold: number;
  /** The group's value over the baseline records, when there is one. */
  baseline?: number;
}

/**
 * Each group's state over the alert's window (ending at `now`). The baseline stands for the comparison
 * period (a relative alert's "the same window a week earlier"; for a threshold alert, where the groups
 * that normally see traffic come from): all of `baseline` when given, else the records that ended before
 * the window. A group is evaluated when it has records in the window or in the baseline, so a tool that
 * had calls and now has none is there, with value 0. Groups with fewer than `minSamples` samples (in the
 * window, and for a relative alert in the baseline too) never fire.
 */
export function evaluateAlert(
  alert: AlertDefinition,
  records: TelemetryRecords,
  now: number,
  baseline?: TelemetryRecords,
): AlertState[] {
  const windowMs = WINDOW_MS[alert.window];
  const current = evaluateMeasure(alert.measure, alert.groupBy, within(records, now - windowMs, now));
  const before = baseline ?? within(records, Number.NEGATIVE_INFINITY, now - windowMs);
  const base = new Map(
    evaluateMeasure(alert.measure, alert.groupBy, before)
      .filter((value) => value.samples > 0)
      .map((value) => [groupKey(value.group), value]),
  );
  const states = new Map(current.map((value) => [groupKey(value.group), value]));
  for (const [key, value] of base)
    if (!states.has(key)) states.set(key, { group: value.group, value: 0, samples: 0 });
  const minSamples = alert.minSamples ?? 0;
  return [...states.entries()]
    .map(([key, state]): AlertState => {
      const reference = base.get(key);
      const threshold = thresholdOf(alert.condition, reference, minSamples);
      const enough = state.samples >= minSamples;
      return {
        ...state,
        firing: enough && !Number.isNaN(threshold) && passes(alert.condition, state.value, threshold),
        threshold,
        ...(reference ? { baseline: reference.value } : {}),
      };
    })
    .sort(
      (a, b) => Number(b.firing) - Number(a.firing) || groupKey(a.group).localeCompare(groupKey(b.group)),
    );
}

function thresholdOf(condition: Condition, reference: GroupValue | undefined, minSamples: number): number {
  if (condition.kind === "threshold") return condition.value;
  if (!reference || reference.samples < Math.max(1, minSamples)) return Number.NaN;
  return condition.factor * reference.value;
}

function passes(condition: Condition, value: number, threshold: number): boolean {
  if (condition.kind === "relative") return value > threshold;
  switch (condition.op) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    case "==":
      return value === threshold;
  }
}
