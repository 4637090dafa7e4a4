// The panel and alert definitions are data that three consumers read (Sentry renderer, local evaluator,
// docs); these checks hold them to the names the telemetry emits and to the shape the consumers rely on.
import { describe, expect, it } from "vitest";
import {
  ALERTS,
  type AlertDefinition,
  FIELD,
  type Measure,
  PANELS,
  type PanelDefinition,
  type Query,
} from "../src/observability/definitions";
import { ATTR, METRIC, SPAN_OP } from "../src/telemetry/names";

const definitions: Array<PanelDefinition | AlertDefinition> = [...PANELS, ...ALERTS];
const queriesOf = (measure: Measure): Query[] =>
  measure.kind === "single" ? [measure.query] : [measure.numerator, measure.denominator];
const forms = (definition: PanelDefinition | AlertDefinition) => [
  { measure: definition.measure, groupBy: definition.groupBy },
  ...(definition.unsampled ? [definition.unsampled] : []),
];
const KNOWN_KEYS = new Set<string>([...Object.values(ATTR), ...Object.values(FIELD)]);

describe("the observability definitions", () => {
  it("have unique ids and names", () => {
    const ids = definitions.map((definition) => definition.id);
    expect(new Set(ids).size).toBe(ids.length);
    const names = ALERTS.map((alert) => alert.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("cover every alert issue 11 and docs/telemetry.md ask for", () => {
    expect(ALERTS.map((alert) => alert.id).sort()).toEqual(
      [
        "tool-error-rate",
        "tool-p95-regression",
        "tool-volume-zero",
        "schema-mismatch-rate",
        "silent-error-rate-by-client",
        "replies-truncated",
        "rate-limited",
        "result-size-p95",
        "resource-reread-rate",
        "token-cost-per-tool",
      ].sort(),
    );
  });

  it("query only names the telemetry emits (src/telemetry/names.ts) or Sentry's own span fields", () => {
    const unknown = definitions.flatMap((definition) =>
      forms(definition).flatMap(({ measure, groupBy }) => [
        ...groupBy.filter((key) => !KNOWN_KEYS.has(key)).map((key) => `${definition.id}: group ${key}`),
        ...queriesOf(measure).flatMap((query) => {
          const field = "field" in query.aggregate ? [query.aggregate.field] : [];
          return [...field, ...query.filters.map((filter) => filter.key)]
            .filter((key) => !KNOWN_KEYS.has(key))
            .map((key) => `${definition.id}: ${key}`);
        }),
      ]),
    );
    expect(unknown).toEqual([]);
  });

  it("select the MCP spans on every span query, and name a known metric on every metric query", () => {
    for (const definition of definitions) {
      for (const { measure } of forms(definition)) {
        for (const query of queriesOf(measure)) {
          if (query.dataset === "spans") {
            expect(query.filters, definition.id).toContainEqual({
              key: FIELD.SPAN_OP,
              op: "equals",
              value: SPAN_OP.MCP_SERVER,
            });
            expect(query.metric, definition.id).toBeUndefined();
          } else if (query.dataset === "metrics") {
            expect(Object.values(METRIC), definition.id).toContain(query.metric?.name);
          } else {
            expect(query.metric, definition.id).toBeUndefined();
          }
        }
      }
    }
  });

  it("write the primary form on spans (most calls are sampled) and the unsampled form on metrics", () => {
    for (const definition of definitions) {
      const datasets = queriesOf(definition.measure).map((query) => query.dataset);
      if (definition.id === "failures-logged") expect(datasets).toEqual(["logs"]);
      else expect(new Set(datasets), definition.id).toEqual(new Set(["spans"]));
      if (definition.unsampled)
        expect(new Set(queriesOf(definition.unsampled.measure).map((query) => query.dataset))).toEqual(
          new Set(["metrics"]),
        );
    }
  });

  it("say in every description how the definition relates to the unsampled calls", () => {
    for (const definition of definitions) {
      expect(definition.description, definition.id).toMatch(/unsampled|metric|sampled or not/i);
    }
  });
});
