/**
 * The Panels and Alerts of docs/telemetry.md, rendered from the definitions, so the documentation says
 * what is applied and evaluated. `npm run docs:observability` writes the block between the markers;
 * a test fails when the file's block and this rendering differ.
 */

import type {
  Aggregate,
  AlertDefinition,
  Condition,
  Filter,
  Measure,
  PanelDefinition,
  Query,
  UnsampledForm,
} from "./definitions";
import { ALERTS, FIELD, PANELS } from "./definitions";
import { aggregateOf, conditions } from "./sentry";

export const MARKDOWN_BEGIN =
  "<!-- observability:begin (generated from src/observability/definitions.ts by `npm run docs:observability`; do not edit) -->";
export const MARKDOWN_END = "<!-- observability:end -->";

const code = (text: string) => `\`${text}\``;

function filterText(filter: Filter): string {
  const value = typeof filter.value === "string" ? filter.value : `[${filter.value.join(",")}]`;
  return `${filter.op === "notEquals" ? "!" : ""}${filter.key}:${value}`;
}

function aggregateText(aggregate: Aggregate, query: Query): string {
  // Spans and logs in the syntax Explore takes, typed attributes included (what `npm run observability`
  // sends); the metrics by their name, which reads better than Sentry's `fn(value,<name>,<type>,<unit>)`.
  if (query.dataset !== "metrics") return aggregateOf(query, "docs");
  const field = (name: string) =>
    query.dataset === "metrics" && name === FIELD.VALUE ? (query.metric?.name ?? name) : name;
  if (aggregate.fn === "count")
    return query.dataset === "metrics" ? `count(${query.metric?.name ?? ""})` : "count()";
  if (aggregate.fn === "count_if") return `count_if(${aggregate.field},${aggregate.op},${aggregate.value})`;
  return `${aggregate.fn}(${field(aggregate.field)})`;
}

function where(query: Query): string {
  if (query.filters.length === 0) return "";
  return ` where ${code(query.dataset === "metrics" ? query.filters.map(filterText).join(" ") : conditions(query.filters))}`;
}

function datasetText(query: Query): string {
  if (query.dataset !== "metrics") return query.dataset;
  const { type, unit } = query.metric ?? { type: "", unit: undefined };
  return `metric (${type}${unit ? `, ${unit}` : ""})`;
}

/** e.g. spans `count_if(mcp.outcome,equals,tool_error) / count()` where `span.op:mcp.server …` */
export function measureText(measure: Measure): string {
  if (measure.kind === "single") {
    const { query } = measure;
    return `${datasetText(query)} ${code(aggregateText(query.aggregate, query))}${where(query)}`;
  }
  const { numerator: top, denominator: bottom } = measure;
  const sameSelection =
    top.dataset === bottom.dataset &&
    top.metric?.name === bottom.metric?.name &&
    JSON.stringify(top.filters) === JSON.stringify(bottom.filters);
  if (sameSelection)
    return `${datasetText(top)} ${code(`${aggregateText(top.aggregate, top)} / ${aggregateText(bottom.aggregate, bottom)}`)}${where(top)}`;
  const part = (query: Query) => `${code(aggregateText(query.aggregate, query))}${where(query)}`;
  return `${datasetText(top)} ${part(top)}, divided by ${part(bottom)}`;
}

const groupText = (groupBy: readonly string[]) =>
  groupBy.length > 0 ? ` grouped by ${groupBy.map(code).join(", ")}` : "";

function unsampledText(form: UnsampledForm | undefined): string {
  return form ? `\n  - Unsampled calls: ${measureText(form.measure)}${groupText(form.groupBy)}.` : "";
}

function conditionText(condition: Condition): string {
  if (condition.kind === "threshold") return `${condition.op} ${condition.value}`;
  return `> ${condition.factor}x the same window ${condition.comparison} earlier`;
}

function panelText(panel: PanelDefinition): string {
  return [
    `- **${panel.title}** (${code(panel.id)}; ${panel.display}, ${panel.unit}): ${panel.description}`,
    `\n  - ${measureText(panel.measure)}${groupText(panel.groupBy)}.`,
    unsampledText(panel.unsampled),
  ].join("");
}

function alertText(alert: AlertDefinition): string {
  const floor = alert.minSamples
    ? `; locally, groups with fewer than ${alert.minSamples} samples never fire`
    : "";
  return [
    `- **${alert.name}** (${code(alert.id)}): ${alert.description}`,
    `\n  - ${measureText(alert.measure)}${groupText(alert.groupBy)}: fires when ${code(conditionText(alert.condition))} over ${alert.window}${floor}.`,
    unsampledText(alert.unsampled),
  ].join("");
}

/** The generated block, markers included. */
export function renderObservabilityMarkdown(
  panels: readonly PanelDefinition[] = PANELS,
  alerts: readonly AlertDefinition[] = ALERTS,
): string {
  return [
    MARKDOWN_BEGIN,
    "",
    "Panels:",
    "",
    ...panels.map(panelText),
    "",
    "Alerts:",
    "",
    ...alerts.map(alertText),
    "",
    MARKDOWN_END,
  ].join("\n");
}

/**
 * `document` with its generated block replaced by `block`. Throws when the markers are missing or out
 * of order, rather than appending a second block.
 */
export function replaceObservabilityBlock(document: string, block = renderObservabilityMarkdown()): string {
  const begin = document.indexOf(MARKDOWN_BEGIN);
  const end = document.indexOf(MARKDOWN_END);
  if (begin < 0 || end < begin) throw new Error("the observability markers are missing from the document");
  return document.slice(0, begin) + block + document.slice(end + MARKDOWN_END.length);
}
