/**
 * Renders the panel and alert definitions (`./definitions.ts`) into Sentry REST API bodies, and compares
 * them with what Sentry holds, for `npm run observability` (scripts/observability.mjs). Pure functions:
 * no I/O, no SDK. Where each shape comes from:
 *
 * - Dashboards: `POST/PUT /api/0/organizations/{org}/dashboards/[{id}/]`, body and enums from
 *   getsentry/sentry-api-schema `openapi-derefed.json` (the source of docs.sentry.io/api, 2026-08):
 *   `widgetType` `spans` | `tracemetrics` | `logs`, `displayType`, `queries[]` with `fields`, `aggregates`,
 *   `columns`, `conditions`, `orderby`, and `layout` on a 6-column grid. Arithmetic is an aggregate
 *   prefixed `equation|` and sorted as `equation[n]` (getsentry/sentry
 *   src/sentry/api/serializers/rest_framework/dashboard.py). Trace-metric aggregates are
 *   `fn(value,<metric>,<type>,<unit>)` with `-` for no unit (Sentry's frontend,
 *   views/dashboards/utils/extractTraceMetricFromWidget). A number attribute of a span is typed,
 *   `tags[<name>,number]`, as Explore writes it, a boolean one `tags[<name>,boolean]` (getsentry/sentry
 *   #105606, #106261); a bare custom name is read as a string.
 * - Alerts: metric monitors (`POST /api/0/organizations/{org}/projects/{project}/detectors/`,
 *   `PUT /api/0/organizations/{org}/detectors/{id}/`), the current public API for what was
 *   `/alert-rules/`: the schema lists only detectors, and jianyuan/terraform-provider-sentry deprecates
 *   `sentry_metric_alert` for `sentry_metric_monitor`, which sends these bodies. `dataSources[0]`:
 *   `dataset: events_analytics_platform`, `eventTypes: [trace_item_span | trace_item_metric |
 *   trace_item_log]`, `queryType: 1`, `timeWindow` in seconds. `conditionGroup.conditions[]`:
 *   `{type: gt|gte|lt|lte|eq|ne, comparison, conditionResult: 75 (high) | 0 (resolved)}`.
 *   `config.detectionType: static`, or `percent` with `comparisonDelta` in seconds for a change monitor,
 *   whose `comparison` is the value as a percentage of the earlier one (110 = 10% higher; getsentry's MCP
 *   toolkit, get_metric_monitor_details), so "value > factor x baseline" is `gt` factor x 100.
 * - A monitor has one query and no group-by, and no ratio: Sentry cannot alert on an equation
 *   (getsentry/sentry#106102). So a grouped alert becomes one monitor per value of its group (the tools
 *   from the registry), and a ratio alert gets no monitor but an "Alert: …" widget; the plan says both.
 */

import {
  type Aggregate,
  type AlertDefinition,
  BOOLEAN_ATTRIBUTES,
  type Condition,
  type Filter,
  type Measure,
  type PanelDefinition,
  type Query,
} from "./definitions";

/** Every object we manage is named with this prefix; anything else in the organization is left alone. */
export const MANAGED_PREFIX = "observable-mcp: ";
export const DASHBOARD_TITLE = `${MANAGED_PREFIX}MCP tools`;

export interface SentryWidgetQuery {
  name: string;
  fields: string[];
  aggregates: string[];
  columns: string[];
  conditions: string;
  orderby: string;
}

export interface SentryWidget {
  title: string;
  description: string;
  displayType: "line" | "bar" | "table" | "big_number";
  widgetType: "spans" | "tracemetrics" | "logs";
  interval: string;
  limit: number | null;
  layout: { x: number; y: number; w: number; h: number; minH: number };
  queries: SentryWidgetQuery[];
}

export interface SentryDashboard {
  title: string;
  projects: number[];
  widgets: SentryWidget[];
}

export interface SentrySnubaQuery {
  aggregate: string;
  dataset: "events_analytics_platform";
  eventTypes: string[];
  query: string;
  queryType: 1;
  timeWindow: number;
  environment: null;
}

export interface SentryCondition {
  type: "gt" | "gte" | "lt" | "lte" | "eq" | "ne";
  comparison: number;
  conditionResult: 0 | 50 | 75;
}

export interface SentryMonitor {
  name: string;
  type: "metric_issue";
  description: string;
  enabled: boolean;
  dataSources: [SentrySnubaQuery];
  conditionGroup: { logicType: "any"; conditions: SentryCondition[] };
  config: { detectionType: "static" } | { detectionType: "percent"; comparisonDelta: number };
}

/** A definition that has no Sentry form, and why. */
export interface Skipped {
  id: string;
  title: string;
  reason: string;
}

/** One monitor and the alert definition it came from. */
export interface RenderedMonitor {
  alertId: string;
  body: SentryMonitor;
}

export interface RenderedMonitors {
  monitors: RenderedMonitor[];
  skipped: Skipped[];
  /** Per alert: how it was split or merged (e.g. one monitor per tool). */
  notes: { id: string; note: string }[];
}

/** Thrown when a definition cannot be rendered; the message says why and names the definition. */
export class RenderError extends Error {
  override name = "RenderError";
}

/** The reason alone, for a list that already names the definition. */
function reasonOf(error: RenderError, where: string): string {
  return error.message.startsWith(`${where}: `) ? error.message.slice(where.length + 2) : error.message;
}

const WIDGET_TYPE = { spans: "spans", metrics: "tracemetrics", logs: "logs" } as const;
const EVENT_TYPE = {
  spans: "trace_item_span",
  metrics: "trace_item_metric",
  logs: "trace_item_log",
} as const;
const WINDOW_SECONDS = { "5m": 300, "10m": 600, "1h": 3600, "1d": 86400 } as const;
const COMPARISON_SECONDS = { "1d": 86400, "1w": 604800 } as const;
const SPAN_FIELDS = new Set(["span.duration", "span.self_time"]);
const GRID_COLUMNS = 6;
/** `Dashboard.MAX_WIDGETS` (getsentry/sentry; the frontend's copy in views/dashboards/types.tsx is 30). */
export const MAX_WIDGETS = 30;
/** Series a grouped chart shows (Sentry's widget `limit` is 1 to 10). */
const TOP_SERIES = 5;

/** A value as Sentry's search syntax reads it: bare when it is a plain token, quoted otherwise. */
function searchValue(value: string): string {
  return /^[\w.\-/@{}?]+$/.test(value) && !value.startsWith("-") ? value : JSON.stringify(value);
}

/** An attribute as Sentry's search reads it: a boolean one typed, the rest by name (strings). */
function keyRef(key: string): string {
  return BOOLEAN_ATTRIBUTES.includes(key) ? `tags[${key},boolean]` : key;
}

function condition(filter: Filter): string {
  const key = keyRef(filter.key);
  if (filter.op === "in") {
    const values = typeof filter.value === "string" ? [filter.value] : filter.value;
    return `${key}:[${values.map(searchValue).join(",")}]`;
  }
  const value = typeof filter.value === "string" ? filter.value : filter.value.join(",");
  return `${filter.op === "notEquals" ? "!" : ""}${key}:${searchValue(value)}`;
}

/** Sentry's search string for a list of filters (they are ANDed). */
export function conditions(filters: readonly Filter[]): string {
  return filters.map(condition).join(" ");
}

function fieldRef(query: Query, field: string): string {
  if (query.dataset === "spans" && !SPAN_FIELDS.has(field)) return `tags[${field},number]`;
  return field;
}

/** One aggregate in Sentry's syntax for the query's dataset. */
export function aggregateOf(query: Query, where: string): string {
  const aggregate: Aggregate = query.aggregate;
  if (query.dataset === "metrics") {
    const metric = query.metric;
    if (!metric) throw new RenderError(`${where}: a metrics query names no metric`);
    const args = `value,${metric.name},${metric.type},${metric.unit ?? "-"}`;
    if (aggregate.fn === "count_if") throw new RenderError(`${where}: trace metrics have no count_if`);
    return `${aggregate.fn}(${args})`;
  }
  if (aggregate.fn === "count") return "count()";
  if (aggregate.fn === "count_if")
    return `count_if(${keyRef(aggregate.field)},${aggregate.op},${aggregate.value})`;
  return `${aggregate.fn}(${fieldRef(query, aggregate.field)})`;
}

function sameFilters(a: readonly Filter[], b: readonly Filter[]): boolean {
  return conditions(a) === conditions(b);
}

/**
 * A measure as one widget query: its aggregate (an equation for a ratio) and its conditions. A ratio
 * fits one query only when both sides filter alike; the numerator's own condition goes in count_if.
 */
function widgetMeasure(
  measure: Measure,
  where: string,
): { aggregate: string; query: Query; equation: boolean } {
  if (measure.kind === "single") {
    return { aggregate: aggregateOf(measure.query, where), query: measure.query, equation: false };
  }
  const { numerator, denominator } = measure;
  if (numerator.dataset !== denominator.dataset) {
    throw new RenderError(`${where}: a ratio across datasets has no Sentry form`);
  }
  if (!sameFilters(numerator.filters, denominator.filters)) {
    throw new RenderError(
      `${where}: the numerator filters (${conditions(numerator.filters) || "none"}) differ from the ` +
        `denominator's (${conditions(denominator.filters) || "none"}), and one widget query has one set of conditions`,
    );
  }
  const expression = `${aggregateOf(numerator, where)} / ${aggregateOf(denominator, where)}`;
  return { aggregate: `equation|${expression}`, query: denominator, equation: true };
}

/** What one widget shows: a panel, a panel's unsampled form, or a ratio alert. */
interface WidgetSpec {
  id: string;
  title: string;
  description: string;
  display: PanelDefinition["display"];
  measure: Measure;
  groupBy: readonly string[];
}

function renderWidget({
  id,
  title,
  description,
  display,
  measure,
  groupBy,
}: WidgetSpec): Omit<SentryWidget, "layout"> {
  const where = `panel ${id}`;
  const { aggregate, query, equation } = widgetMeasure(measure, where);
  if (display === "big_number" && groupBy.length > 0) {
    throw new RenderError(`${where}: a big number cannot be grouped`);
  }
  const columns = [...groupBy];
  const sortKey = equation ? "equation[0]" : aggregate;
  return {
    title: clip(title),
    description: clip(description),
    displayType: display,
    widgetType: WIDGET_TYPE[query.dataset],
    interval: "5m",
    limit: columns.length > 0 && display !== "table" ? TOP_SERIES : null,
    queries: [
      {
        name: "",
        fields: [...columns, aggregate],
        aggregates: [aggregate],
        columns,
        conditions: conditions(query.filters),
        orderby: columns.length > 0 ? `-${sortKey}` : "",
      },
    ],
  };
}

/** Sentry keeps widget titles and descriptions to 255 characters: cut at a word, and say so with "…". */
function clip(text: string, limit = 255): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > limit / 2 ? cut.slice(0, space) : cut}…`;
}

/** Places widgets left to right on Sentry's 6-column grid: charts and tables 3 wide, big numbers 2. */
function layOut(widgets: Omit<SentryWidget, "layout">[]): SentryWidget[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return widgets.map((widget) => {
    const small = widget.displayType === "big_number";
    const w = small ? 2 : 3;
    const h = small ? 1 : 2;
    if (x + w > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const layout = { x, y, w, h, minH: h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return { ...widget, layout };
  });
}

/**
 * The dashboard: one widget per panel over its primary dataset (spans or logs), and one more over the
 * trace metrics where the panel has an unsampled form. Panels with no Sentry form are listed in `skipped`.
 */
export function renderDashboard(
  panels: readonly PanelDefinition[],
  projectId: number,
  alerts: readonly AlertDefinition[] = [],
): { dashboard: SentryDashboard; skipped: Skipped[]; widgetDefinitions: string[] } {
  const widgets: Omit<SentryWidget, "layout">[] = [];
  const widgetDefinitions: string[] = [];
  const skipped: Skipped[] = [];
  const add = (spec: WidgetSpec) => {
    try {
      widgets.push(renderWidget(spec));
      widgetDefinitions.push(spec.id);
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      skipped.push({ id: spec.id, title: spec.title, reason: reasonOf(error, `panel ${spec.id}`) });
    }
  };
  for (const panel of panels) {
    add(panel);
    if (!panel.unsampled) continue;
    add({
      id: `${panel.id}.unsampled`,
      title: `${panel.title} (unsampled calls)`,
      description: `The calls whose trace was not sampled, from the trace metrics. ${panel.description}`,
      display: panel.display,
      measure: panel.unsampled.measure,
      groupBy: panel.unsampled.groupBy,
    });
  }
  // A ratio alert has no monitor (see renderMonitors), so the dashboard charts what it watches.
  for (const alert of alerts.filter((a) => a.measure.kind === "ratio")) {
    const when = alert.condition;
    const rule =
      when.kind === "threshold"
        ? `${when.op} ${when.value}`
        : `> ${when.factor} x ${when.comparison} earlier`;
    add({
      id: `alert.${alert.id}`,
      title: `Alert: ${alert.name.replace(/^MCP: /, "")}`,
      description:
        `Fires when ${rule} over ${alert.window}${alert.groupBy.length ? ` per ${alert.groupBy.join(", ")}` : ""}. ` +
        `Sentry cannot alert on a ratio, so this widget shows it. ${alert.description}`,
      display: "line",
      measure: alert.measure,
      groupBy: alert.groupBy,
    });
  }
  if (widgets.length > MAX_WIDGETS) {
    throw new RenderError(
      `the dashboard would have ${widgets.length} widgets; Sentry takes at most ${MAX_WIDGETS} on one dashboard`,
    );
  }
  const dashboard = { title: DASHBOARD_TITLE, projects: [projectId], widgets: layOut(widgets) };
  return { dashboard, skipped, widgetDefinitions };
}

const OPERATOR = { ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "==": "eq" } as const;
const RESOLVE = { gt: "lte", gte: "lt", lt: "gte", lte: "gt", eq: "ne" } as const;

function monitorLogic(alert: AlertDefinition): Pick<SentryMonitor, "conditionGroup" | "config"> {
  const when: Condition = alert.condition;
  if (when.kind === "threshold" && when.op === "==" && when.value === 0) {
    // "Dropped to zero" means a group that had traffic before has none now (the local evaluator's
    // baseline). A static `eq 0` would fire every quiet hour of a tool nobody calls at night, so it is
    // a change monitor against the same window a week earlier: under 1% of it opens, 1% or more resolves.
    return {
      config: { detectionType: "percent", comparisonDelta: COMPARISON_SECONDS["1w"] },
      conditionGroup: {
        logicType: "any",
        conditions: [
          { type: "lt", comparison: 1, conditionResult: 75 },
          { type: "gte", comparison: 1, conditionResult: 0 },
        ],
      },
    };
  }
  if (when.kind === "threshold") {
    const type = OPERATOR[when.op];
    return {
      config: { detectionType: "static" },
      conditionGroup: {
        logicType: "any",
        conditions: [
          { type, comparison: when.value, conditionResult: 75 },
          { type: RESOLVE[type], comparison: when.value, conditionResult: 0 },
        ],
      },
    };
  }
  const percent = Math.round(when.factor * 100);
  return {
    config: { detectionType: "percent", comparisonDelta: COMPARISON_SECONDS[when.comparison] },
    conditionGroup: {
      logicType: "any",
      conditions: [
        { type: "gt", comparison: percent, conditionResult: 75 },
        { type: "lte", comparison: percent, conditionResult: 0 },
      ],
    },
  };
}

/** All combinations of the group values, e.g. [{tool: a}, {tool: b}]. */
function combinations(
  dimensions: readonly { key: string; values: readonly string[] }[],
): Record<string, string>[] {
  let result: Record<string, string>[] = [{}];
  for (const { key, values } of dimensions) {
    result = result.flatMap((partial) => values.map((value) => ({ ...partial, [key]: value })));
  }
  return result;
}

/**
 * The metric monitors for the alerts. `groupValues` lists, per attribute, the values a grouped alert is
 * split over (the tool names from the registry for the tool attributes).
 */
export function renderMonitors(
  alerts: readonly AlertDefinition[],
  groupValues: Readonly<Record<string, readonly string[]>>,
): RenderedMonitors {
  const result: RenderedMonitors = { monitors: [], skipped: [], notes: [] };
  for (const alert of alerts) {
    const skip = (reason: string) => result.skipped.push({ id: alert.id, title: alert.name, reason });
    if (alert.measure.kind === "ratio") {
      skip(
        "a Sentry monitor alerts on one aggregate, not on a ratio of two (getsentry/sentry#106102); " +
          'the dashboard charts it ("Alert: …") and the local page evaluates it',
      );
      continue;
    }
    const query = alert.measure.query;
    let aggregate: string;
    try {
      aggregate = aggregateOf(query, `alert ${alert.id}`);
      // The monitor docs write a span count as count(span.duration) ("Throughput Metric Monitor"); the
      // form the docs use is the one most likely to come back unchanged, which idempotence relies on.
      if (query.dataset === "spans" && aggregate === "count()") aggregate = "count(span.duration)";
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      skip(reasonOf(error, `alert ${alert.id}`));
      continue;
    }
    const base = {
      type: "metric_issue" as const,
      description:
        alert.description +
        (alert.minSamples
          ? ` (Local evaluation ignores groups with fewer than ${alert.minSamples} calls; a Sentry monitor has no such floor.)`
          : ""),
      enabled: true,
      ...monitorLogic(alert),
    };
    const source = (extra: readonly Filter[]): [SentrySnubaQuery] => [
      {
        aggregate,
        dataset: "events_analytics_platform",
        eventTypes: [EVENT_TYPE[query.dataset]],
        query: conditions([...query.filters, ...extra]),
        queryType: 1,
        timeWindow: WINDOW_SECONDS[alert.window],
        environment: null,
      },
    ];
    const ungrouped = () =>
      result.monitors.push({
        alertId: alert.id,
        body: { ...base, name: `${MANAGED_PREFIX}${alert.name}`, dataSources: source([]) },
      });
    if (alert.groupBy.length === 0) {
      ungrouped();
      continue;
    }
    const counts = query.aggregate.fn === "count" || query.aggregate.fn === "count_if";
    const when = alert.condition;
    if (counts && when.kind === "threshold" && when.op === ">" && when.value === 0) {
      // A count above zero in some group is a count above zero overall: one monitor says the same.
      ungrouped();
      result.notes.push({
        id: alert.id,
        note: `one monitor over all ${alert.groupBy.join(", ")} values: a count above 0 in any group is one overall`,
      });
      continue;
    }
    const unknown = alert.groupBy.filter((key) => !groupValues[key]?.length);
    if (unknown.length > 0) {
      skip(
        `a Sentry monitor cannot group by ${unknown.join(", ")}, and there is no list of its values to make one monitor per value`,
      );
      continue;
    }
    const groups = combinations(alert.groupBy.map((key) => ({ key, values: groupValues[key] ?? [] })));
    for (const group of groups) {
      const filters: Filter[] = Object.entries(group).map(([key, value]) => ({ key, op: "equals", value }));
      result.monitors.push({
        alertId: alert.id,
        body: {
          ...base,
          name: `${MANAGED_PREFIX}${alert.name} (${Object.values(group).join(", ")})`,
          dataSources: source(filters),
        },
      });
    }
    result.notes.push({
      id: alert.id,
      note: `Sentry monitors cannot group by ${alert.groupBy.join(", ")}: one monitor per value (${groups.length})`,
    });
  }
  return result;
}

type Unknown = Record<string, unknown>;
const record = (value: unknown): Unknown =>
  typeof value === "object" && value !== null ? (value as Unknown) : {};
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** A widget as Sentry returns it, reduced to the fields we render, for comparison. */
export function comparableWidget(widget: unknown): SentryWidget {
  const w = record(widget);
  const layout = record(w.layout);
  return {
    title: String(w.title ?? ""),
    description: String(w.description ?? ""),
    displayType: String(w.displayType) as SentryWidget["displayType"],
    widgetType: String(w.widgetType) as SentryWidget["widgetType"],
    interval: String(w.interval ?? ""),
    limit: typeof w.limit === "number" ? w.limit : null,
    layout: {
      x: Number(layout.x),
      y: Number(layout.y),
      w: Number(layout.w),
      h: Number(layout.h),
      minH: Number(layout.minH),
    },
    queries: (Array.isArray(w.queries) ? w.queries : []).map((q: unknown) => {
      const query = record(q);
      return {
        name: String(query.name ?? ""),
        fields: strings(query.fields),
        aggregates: strings(query.aggregates),
        columns: strings(query.columns),
        conditions: String(query.conditions ?? ""),
        orderby: String(query.orderby ?? ""),
      };
    }),
  };
}

/** A dashboard as Sentry returns it (GET …/dashboards/{id}/), reduced for comparison. */
export function comparableDashboard(dashboard: unknown): SentryDashboard {
  const d = record(dashboard);
  return {
    title: String(d.title ?? ""),
    projects: (Array.isArray(d.projects) ? d.projects : []).map(Number),
    widgets: (Array.isArray(d.widgets) ? d.widgets : []).map(comparableWidget),
  };
}

/** A monitor as Sentry returns it (GET …/detectors/), reduced to the fields we render. */
export function comparableMonitor(detector: unknown): SentryMonitor {
  const d = record(detector);
  const source = record(
    record(record((Array.isArray(d.dataSources) ? d.dataSources : [])[0]).queryObj).snubaQuery,
  );
  const group = record(d.conditionGroup);
  const config = record(d.config);
  return {
    name: String(d.name ?? ""),
    type: String(d.type) as "metric_issue",
    description: String(d.description ?? ""),
    enabled: d.enabled !== false,
    dataSources: [
      {
        aggregate: String(source.aggregate ?? ""),
        dataset: String(source.dataset) as "events_analytics_platform",
        eventTypes: strings(source.eventTypes),
        query: String(source.query ?? ""),
        // Sentry does not return queryType; it follows from the dataset.
        queryType: 1,
        timeWindow: Number(source.timeWindow),
        environment: null,
      },
    ],
    conditionGroup: {
      logicType: String(group.logicType) as "any",
      conditions: (Array.isArray(group.conditions) ? group.conditions : []).map((c: unknown) => {
        const cond = record(c);
        return {
          type: String(cond.type) as SentryCondition["type"],
          comparison: Number(cond.comparison),
          conditionResult: Number(cond.conditionResult) as SentryCondition["conditionResult"],
        };
      }),
    },
    config:
      config.detectionType === "percent"
        ? { detectionType: "percent", comparisonDelta: Number(config.comparisonDelta) }
        : { detectionType: "static" },
  };
}

/** One field that differs: its path (e.g. `widgets["p95 latency"].queries[0].aggregates`) and both values. */
export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** The fields where `after` differs from `before`, leaf by leaf (arrays of scalars compare whole). */
export function diffFields(before: unknown, after: unknown, path = ""): FieldChange[] {
  const scalarList = (v: unknown) =>
    Array.isArray(v) && v.every((item) => typeof item !== "object" || item === null);
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (Array.isArray(before) && Array.isArray(after) && !scalarList(before) && !scalarList(after)) {
    const changes: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      changes.push(...diffFields(before[i], after[i], `${path}[${i}]`));
    }
    return changes;
  }
  const isRecord = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isRecord(before) && isRecord(after)) {
    const keys = new Set([...Object.keys(before as Unknown), ...Object.keys(after as Unknown)]);
    return [...keys].flatMap((key) =>
      diffFields((before as Unknown)[key], (after as Unknown)[key], path ? `${path}.${key}` : key),
    );
  }
  return [{ path: path || "(whole)", before, after }];
}

/**
 * The field changes from the dashboard Sentry has to the one we render, widgets matched by title so that
 * a moved or changed widget reads as such rather than as a cascade of index shifts.
 */
export function diffDashboard(before: SentryDashboard, after: SentryDashboard): FieldChange[] {
  const changes = diffFields(
    { title: before.title, projects: before.projects },
    { title: after.title, projects: after.projects },
  );
  const old = new Map(before.widgets.map((w) => [w.title, w]));
  for (const widget of after.widgets) {
    const previous = old.get(widget.title);
    old.delete(widget.title);
    if (!previous)
      changes.push({
        path: `widgets[${JSON.stringify(widget.title)}]`,
        before: undefined,
        after: "(new widget)",
      });
    else changes.push(...diffFields(previous, widget, `widgets[${JSON.stringify(widget.title)}]`));
  }
  for (const title of old.keys()) {
    changes.push({ path: `widgets[${JSON.stringify(title)}]`, before: "(widget)", after: undefined });
  }
  const order = (d: SentryDashboard) => d.widgets.map((w) => w.title);
  if (changes.length === 0 && JSON.stringify(order(before)) !== JSON.stringify(order(after))) {
    changes.push({ path: "widgets (order)", before: order(before), after: order(after) });
  }
  return changes;
}
