// The local evaluator reads what the SDK really sends: every record here comes from envelopes the sink
// received for this file's own MCP traffic (its own user, so other files' telemetry stays out).
import { parseEnvelope } from "@sentry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALERTS,
  type AlertDefinition,
  FIELD,
  PANELS,
  type PanelDefinition,
} from "../src/observability/definitions";
import {
  evaluateAlert,
  evaluateMeasure,
  evaluatePanel,
  recordsFromEnvelope,
  type SpanRecord,
  type TelemetryRecords,
} from "../src/observability/evaluate";
import { ATTR, METHOD, METRIC, OUTCOME, SPAN_OP } from "../src/telemetry/names";
import { setFault } from "./helpers/github";
import { callTraced, connect } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import { waitForRecords } from "./helpers/records";
import { envelopes, mark } from "./helpers/sink";

const UNSAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
const panel = (id: string) => PANELS.find((p) => p.id === id) as PanelDefinition;
const alert = (id: string) => ALERTS.find((a) => a.id === id) as AlertDefinition;
const toolSpans = (records: TelemetryRecords) =>
  records.spans.filter(
    (span) => span.op === SPAN_OP.MCP_SERVER && span.attributes[ATTR.METHOD_NAME] === METHOD.TOOLS_CALL,
  );
const byGroup = (values: Array<{ group: Record<string, string>; value: number }>, key: string) =>
  Object.fromEntries(values.map((value) => [value.group[key], value.value]));

describe("local evaluation over the envelopes the sink received", () => {
  let records: TelemetryRecords;
  let since: number;
  let started: number;

  beforeAll(async () => {
    const { token } = await signIn("obs-evaluate", "Evaluator test");
    const client = await connect("streamable-http", token);
    since = await mark();
    started = Date.now();
    const first = await callTraced(client, "whoami");
    const userId = /user id (\d+)/.exec(first.text)?.[1] ?? "";
    await callTraced(client, "whoami");
    await callTraced(client, "whoami");
    // Fails the schema (validation_error): a span, and a log line for Sentry Logs.
    await callTraced(client, "get_issue", { owner: "octocat", repo: "hello-world", number: "one" });
    // GitHub 5xx: tool_error, reported as an error event.
    await setFault({ kind: "status", status: 502, times: 1 });
    await callTraced(client, "get_issue", { owner: "octocat", repo: "hello-world", number: 1 });
    // A caller that did not sample its trace: only metrics describe this call.
    await client.callTool({ name: "whoami", arguments: {}, _meta: { traceparent: UNSAMPLED } });
    records = await waitForRecords(
      since,
      userId,
      (r) =>
        toolSpans(r).length === 5 &&
        r.metrics.some((m) => m.name === METRIC.TOOL_CALLS) &&
        r.logs.filter((log) => log.attributes[ATTR.OUTCOME] !== OUTCOME.SUCCESS).length >= 2,
    );
    await client.close();
  });
  afterAll(() => setFault(null));

  it("reads a tool call's streamed span: op, name, end time, duration and attributes", () => {
    const span = toolSpans(records).find((s) => s.name === "tools/call whoami") as SpanRecord;
    expect(span.op).toBe(SPAN_OP.MCP_SERVER);
    expect(span.attributes[ATTR.TOOL_NAME]).toBe("whoami");
    expect(span.attributes[ATTR.OUTCOME]).toBe(OUTCOME.SUCCESS);
    expect(span.attributes[ATTR.RESULT_BYTES]).toBeGreaterThan(0);
    expect(span.attributes[ATTR.RESULT_TRUNCATED]).toBe(false);
    expect(span.timestamp).toBeGreaterThanOrEqual(started);
    expect(span.timestamp).toBeLessThanOrEqual(Date.now());
    expect(span.durationMs).toBeGreaterThanOrEqual(0);
    // The GitHub request is a child span in the same container, named by its route.
    expect(records.spans.some((s) => s.op === "http.client")).toBe(true);
  });

  it("reads trace metrics of the unsampled call and log lines of the failed ones", () => {
    const calls = records.metrics.filter((m) => m.name === METRIC.TOOL_CALLS);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ type: "counter", value: 1 });
    expect(calls[0]?.attributes[ATTR.TARGET]).toBe("whoami");
    const duration = records.metrics.find((m) => m.name === METRIC.OPERATION_DURATION);
    expect(duration?.type).toBe("distribution");
    expect(records.logs.map((log) => log.body)).toEqual(
      expect.arrayContaining(["tools/call get_issue validation_error", "tools/call get_issue tool_error"]),
    );
    expect(records.logs.find((log) => log.body.endsWith("validation_error"))?.attributes[ATTR.TARGET]).toBe(
      "get_issue",
    );
  });

  it("reads the test sink's form like @sentry/core's parsed form, and finds nothing in error events", async () => {
    const list = (await envelopes()).slice(since);
    for (const envelope of list) {
      expect(recordsFromEnvelope(envelope)).toEqual(recordsFromEnvelope(parseEnvelope(envelope.raw)));
    }
    const errors = list.filter((envelope) => envelope.items.every((item) => item.type === "event"));
    expect(errors.length).toBeGreaterThan(0);
    for (const envelope of errors) {
      expect(recordsFromEnvelope(parseEnvelope(envelope.raw))).toEqual({ spans: [], metrics: [], logs: [] });
    }
  });

  it("computes the panels from them: calls, error rate and the unsampled metric form", () => {
    const now = Date.now();
    const calls = panel("calls-per-tool");
    expect(byGroup(evaluatePanel(calls, records, now), ATTR.TOOL_NAME)).toEqual({ whoami: 3, get_issue: 2 });
    const unsampled = calls.unsampled;
    expect(
      unsampled && byGroup(evaluateMeasure(unsampled.measure, unsampled.groupBy, records), ATTR.TARGET),
    ).toEqual({
      whoami: 1,
    });
    const errors = evaluatePanel(panel("error-rate-by-tool"), records, now);
    expect(errors).toEqual([
      { group: { [ATTR.TOOL_NAME]: "get_issue" }, value: 1, samples: 2 },
      { group: { [ATTR.TOOL_NAME]: "whoami" }, value: 0, samples: 3 },
    ]);
    const outcomes = byGroup(evaluatePanel(panel("outcomes-over-time"), records, now), ATTR.OUTCOME);
    expect(outcomes).toEqual({ success: 3, validation_error: 1, tool_error: 1 });
    const logged = evaluatePanel(panel("failures-logged"), records, now);
    expect(logged.map((value) => value.group)).toEqual(
      expect.arrayContaining([
        { [ATTR.TARGET]: "get_issue", [ATTR.OUTCOME]: OUTCOME.VALIDATION_ERROR },
        { [ATTR.TARGET]: "get_issue", [ATTR.OUTCOME]: OUTCOME.TOOL_ERROR },
      ]),
    );
  });

  it("counts only records that ended inside the window", () => {
    const calls = panel("calls-per-tool");
    const spans = toolSpans(records);
    const first = Math.min(...spans.map((s) => s.timestamp));
    const last = Math.max(...spans.map((s) => s.timestamp));
    expect(evaluatePanel(calls, records, first - 1)).toEqual([]);
    const total = (values: Array<{ value: number }>) => values.reduce((sum, v) => sum + v.value, 0);
    expect(total(evaluatePanel(calls, records, last))).toBe(5);
    expect(total(evaluatePanel(calls, records, last, last - first))).toBe(
      spans.filter((s) => s.timestamp > first).length,
    );
  });

  it("aggregates p50, p95, avg and max by interpolating between ranks", () => {
    // Twenty copies of a real span with durations 1..20 ms: known percentiles, real attributes.
    const template = toolSpans(records)[0] as SpanRecord;
    const spans = Array.from({ length: 20 }, (_, i) => ({ ...template, durationMs: i + 1 }));
    const set = { spans, metrics: [], logs: [] };
    const of = (fn: "p50" | "p95" | "avg" | "max") =>
      evaluateMeasure(
        {
          kind: "single",
          query: { dataset: "spans", aggregate: { fn, field: FIELD.SPAN_DURATION }, filters: [] },
        },
        [],
        set,
      )[0]?.value;
    expect(of("p50")).toBeCloseTo(10.5, 10);
    expect(of("p95")).toBeCloseTo(19.05, 10);
    expect(of("avg")).toBeCloseTo(10.5, 10);
    expect(of("max")).toBe(20);
  });

  it("alerts: minSamples holds back small groups, a group from the baseline counts as zero, no baseline compares nothing", () => {
    const now = Date.now();
    const errorRate = evaluateAlert(alert("tool-error-rate"), records, now);
    const getIssue = errorRate.find((state) => state.group[ATTR.TOOL_NAME] === "get_issue");
    // Half of get_issue's calls failed (tool_error), over the 5% threshold, but two calls are too few.
    expect(getIssue).toMatchObject({ value: 0.5, samples: 2, firing: false, threshold: 0.05 });
    expect(evaluateAlert({ ...alert("tool-error-rate"), minSamples: 2 }, records, now)[0]).toMatchObject({
      group: { [ATTR.TOOL_NAME]: "get_issue" },
      firing: true,
    });
    // The same calls as a baseline, an empty window: both tools' volume dropped to zero.
    const quiet = evaluateAlert(
      alert("tool-volume-zero"),
      { spans: [], metrics: [], logs: [] },
      now,
      records,
    );
    expect(quiet.map((state) => [state.group[ATTR.TOOL_NAME], state.value, state.firing])).toEqual([
      ["get_issue", 0, true],
      ["whoami", 0, true],
    ]);
    // A relative alert without a baseline cannot fire.
    const p95 = evaluateAlert(alert("tool-p95-regression"), records, now);
    expect(p95.length).toBeGreaterThan(0);
    for (const state of p95) {
      expect(state.firing).toBe(false);
      expect(state.threshold).toBeNaN();
    }
  });
});
