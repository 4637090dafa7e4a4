// Each alert in src/observability/definitions.ts fires on the traffic it is written for and stays quiet
// on clean traffic, evaluated on the envelopes the sink really received. Every scenario signs in a user
// of its own, so its records are only its own calls (other files' telemetry shares the sink).

import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, describe, expect, it } from "vitest";
import { rateLimitKey } from "../src/mcp/rate-limit";
import {
  ALERTS,
  type AlertDefinition,
  FIELD,
  type Measure,
  PANELS,
  type Query,
} from "../src/observability/definitions";
import {
  addRecords,
  emptyRecords,
  evaluateAlert,
  evaluateMeasure,
  type TelemetryRecords,
} from "../src/observability/evaluate";
import { ATTR, METHOD, METRIC, SPAN_OP } from "../src/telemetry/names";
import { setFault, setGeneratedText } from "./helpers/github";
import { connect } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import { waitForRecords } from "./helpers/records";
import { mark } from "./helpers/sink";

const README = (repo: string) => `github://repos/${repo}/readme`;
const PUBLIC_READMES = [
  "octocat/hello-world",
  "octocat/spoon-knife",
  "octo-org/octo-api",
  "hubot/hubot-scripts",
];
const ISSUE = { owner: "octocat", repo: "hello-world", number: 1 };
const UNSAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

/** Clients the current test opened, closed after it. */
const opened: Client[] = [];

/** All records every scenario produced, for the check that the definitions' keys are really sent. */
const seen = emptyRecords();

interface Scenario {
  client: Client;
  /** Another session of the same user and client (re-reads are counted per session). */
  second: Client;
  userId: string;
  /** Waits for this user's records since the last collection until `calls` MCP requests are in. */
  collect(calls: number): Promise<TelemetryRecords>;
  /** Waits for this user's records since the last collection until `done` holds. */
  collectUntil(done: (records: TelemetryRecords) => boolean): Promise<TelemetryRecords>;
}

/** A fresh user with two sessions of one MCP client. */
async function scenario(login: string, clientName = "claude-ai"): Promise<Scenario> {
  const { token } = await signIn(login, `Alerts test ${login}`);
  const info = { name: clientName, version: "1.0.0" };
  const client = await connect("streamable-http", token, info);
  const second = await connect("streamable-http", token, info);
  opened.push(client, second);
  const requests = (records: TelemetryRecords) =>
    records.spans.filter(
      (span) =>
        span.op === SPAN_OP.MCP_SERVER &&
        [METHOD.TOOLS_CALL, METHOD.RESOURCES_READ].includes(
          String(span.attributes[ATTR.METHOD_NAME]) as never,
        ),
    ).length;
  // Who the user is, from the first call; its telemetry is in before the scenario's traffic starts.
  let since = await mark();
  const me = await client.callTool({ name: "whoami", arguments: {} });
  const text = (me.content as Array<{ text?: string }>).map((part) => part.text ?? "").join("");
  const userId = /user id (\d+)/.exec(text)?.[1] ?? "";
  expect(userId).not.toBe("");
  await waitForRecords(since, userId, (r) => requests(r) === 1);
  since = await mark();
  const collectUntil = async (done: (records: TelemetryRecords) => boolean) => {
    const records = await waitForRecords(since, userId, done);
    since = await mark();
    addRecords(seen, records);
    return records;
  };
  return {
    client,
    second,
    userId,
    collectUntil,
    async collect(calls) {
      const records = await collectUntil((r) => requests(r) >= calls);
      expect(requests(records)).toBe(calls);
      return records;
    },
  };
}

const call = (client: Client, name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args });
const read = (client: Client, uri: string) => client.readResource({ uri });
async function times(n: number, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i++) await run();
}
/** `n` runs, `width` at a time. */
async function inParallel(n: number, run: (i: number) => Promise<unknown>, width = 10): Promise<void> {
  for (let i = 0; i < n; i += width)
    await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, j) => run(i + j)));
}

/** The ids of the alerts that fire, each with the groups it fires for. */
function firing(
  records: TelemetryRecords,
  baseline?: TelemetryRecords,
): Record<string, Array<Record<string, string>>> {
  const now = Date.now();
  const out: Record<string, Array<Record<string, string>>> = {};
  for (const alert of ALERTS) {
    const groups = evaluateAlert(alert, records, now, baseline)
      .filter((state) => state.firing)
      .map((state) => state.group);
    if (groups.length > 0) out[alert.id] = groups;
  }
  return out;
}

const alertById = (id: string) => ALERTS.find((alert) => alert.id === id) as AlertDefinition;

afterEach(async () => {
  for (const client of opened.splice(0)) await client.close();
  await setFault(null);
  await setGeneratedText({ repo: "octocat/hello-world" }, null);
  await setGeneratedText({ repo: "octocat/hello-world", issue: 1 }, null);
});

describe("the alerts, evaluated on what the sink received", () => {
  it("clean traffic, against a clean baseline, keeps every alert quiet, with enough samples to have fired", async () => {
    const s = await scenario("obs-alerts-clean");
    // Every GitHub answer takes 100 ms, so durations are GitHub's and not the test machine's noise:
    // the p95 comparison then compares like with like.
    await setFault({ kind: "latency", ms: 100 });
    // Each README once per session (a second read in a session is a re-read): two sessions per round.
    const traffic = async (readers: Client[]) => {
      await times(5, () => call(s.client, "whoami"));
      await times(5, () => call(s.client, "get_issue", ISSUE));
      await times(5, () => call(s.client, "list_repositories"));
      for (const client of readers) for (const repo of PUBLIC_READMES) await read(client, README(repo));
    };
    await traffic([s.client, s.second]);
    const baseline = await s.collect(23);
    const { token } = await signIn("obs-alerts-clean", "Alerts test clean, second round");
    const fresh = [await connect("streamable-http", token), await connect("streamable-http", token)];
    opened.push(...fresh);
    await traffic(fresh);
    const window = await s.collect(23);

    expect(firing(window, baseline)).toEqual({});
    expect(firing(window)).toEqual({});
    expect(firing(baseline)).toEqual({});
    // Quiet because nothing was wrong, not because nothing was evaluated: each alert with a sample floor
    // had a group above it (the truncation alert only has groups for cut replies).
    const now = Date.now();
    for (const alert of ALERTS) {
      const states = evaluateAlert(alert, window, now, baseline);
      if (alert.id === "replies-truncated") expect(states).toEqual([]);
      else
        expect(
          states.some((state) => state.samples >= (alert.minSamples ?? 1)),
          alert.id,
        ).toBe(true);
    }
  });

  it("GitHub 5xx on one tool: the tool's error rate, and its client family's silent isError rate", async () => {
    const s = await scenario("obs-alerts-5xx", "Cursor");
    await setFault({ kind: "status", status: 502, path: "/issues/" });
    await times(5, () => call(s.client, "get_issue", ISSUE));
    await times(5, () => call(s.client, "whoami"));
    const records = await s.collect(10);
    expect(firing(records)).toEqual({
      "tool-error-rate": [{ [ATTR.TOOL_NAME]: "get_issue" }],
      "silent-error-rate-by-client": [{ [ATTR.CLIENT_FAMILY]: "cursor" }],
    });
  });

  it("invalid arguments: the schema-mismatch rate, and no tool error", async () => {
    const s = await scenario("obs-alerts-invalid");
    await times(5, () => call(s.client, "get_issue", { ...ISSUE, number: "one" }));
    await times(5, () => call(s.client, "get_issue", ISSUE));
    const records = await s.collect(10);
    expect(firing(records)).toEqual({ "schema-mismatch-rate": [{ [ATTR.TOOL_NAME]: "get_issue" }] });
  });

  it("results over 10 KB: the result-size p95, and against a baseline of small ones the token cost", async () => {
    const s = await scenario("obs-alerts-large");
    await times(5, () => call(s.client, "get_issue", ISSUE));
    const baseline = await s.collect(5);
    // Larger than 10 KB, smaller than the test's reply bound (16 KiB): nothing is cut.
    await setGeneratedText({ repo: "octocat/hello-world", issue: 1 }, 12_000);
    await times(5, () => call(s.client, "get_issue", ISSUE));
    const records = await s.collect(5);
    const fired = firing(records, baseline);
    expect(fired["result-size-p95"]).toEqual([{ [ATTR.TOOL_NAME]: "get_issue" }]);
    expect(fired["token-cost-per-tool"]).toEqual([{ [ATTR.TOOL_NAME]: "get_issue" }]);
    expect(fired["replies-truncated"]).toBeUndefined();
    // Without the small baseline the cost has nothing to double.
    expect(firing(records)).toEqual({ "result-size-p95": [{ [ATTR.TOOL_NAME]: "get_issue" }] });
  });

  it("a README over the reply bound: replies cut by the bound, grouped by the span's name", async () => {
    const s = await scenario("obs-alerts-truncated");
    await setGeneratedText({ repo: "octocat/hello-world" }, 40_000);
    await read(s.client, README("octocat/hello-world"));
    const records = await s.collect(1);
    expect(firing(records)).toEqual({
      "replies-truncated": [{ [FIELD.SPAN_NAME]: "resources/read github://repos/{owner}/{repo}/readme" }],
    });
  });

  it("re-reads of the README resource in one session: the re-read rate", async () => {
    const s = await scenario("obs-alerts-reread");
    await times(5, () => read(s.client, README("octocat/hello-world")));
    const records = await s.collect(5);
    expect(firing(records)).toEqual({
      "resource-reread-rate": [{ [ATTR.RESOURCE_TEMPLATE]: "github://repos/{owner}/{repo}/readme" }],
    });
  });

  it("calls past the per-user rate limit: users held back by the rate limit", async () => {
    const s = await scenario("obs-alerts-limited", "Visual Studio Code");
    const limiter = (env as unknown as { MCP_RATE_LIMITER: RateLimit }).MCP_RATE_LIMITER;
    await times(5, () => call(s.client, "whoami"));
    // Use up the user's budget before each call: a wall-clock window may end between the two.
    await times(5, async () => {
      for (let i = 0; i < 10_000; i++)
        if (!(await limiter.limit({ key: rateLimitKey(Number(s.userId)) })).success) break;
      await call(s.client, "whoami");
    });
    const records = await s.collect(10);
    expect(firing(records)).toEqual({ "rate-limited": [{ [ATTR.CLIENT_FAMILY]: "vscode" }] });
  });

  it("a tool slower than its baseline: the p95 regression, for that tool only", async () => {
    const s = await scenario("obs-alerts-slow");
    // Every GitHub request of the baseline takes 100 ms, so a busy machine's few milliseconds of noise
    // cannot double a tool's p95; in the window only list_repositories slows down, to 600 ms, and
    // whoami gets faster than its baseline.
    await setFault({ kind: "latency", ms: 100 });
    await times(5, () => call(s.client, "whoami"));
    await times(5, () => call(s.client, "list_repositories"));
    const baseline = await s.collect(10);
    await setFault({ kind: "latency", ms: 600, path: "/user/repos" });
    await times(5, () => call(s.client, "whoami"));
    await times(5, () => call(s.client, "list_repositories"));
    const records = await s.collect(10);
    const states = evaluateAlert(alertById("tool-p95-regression"), records, Date.now(), baseline);
    expect(states.filter((state) => state.firing).map((state) => state.group)).toEqual([
      { [ATTR.TOOL_NAME]: "list_repositories" },
    ]);
    const slow = states.find((state) => state.firing);
    expect(slow?.value).toBeGreaterThan(600);
    expect(slow?.threshold).toBe(2 * (slow?.baseline ?? Number.NaN));
  });

  it("a tool with calls in the baseline and none in the window: volume dropped to zero", async () => {
    const s = await scenario("obs-alerts-volume");
    await times(3, () => call(s.client, "whoami"));
    await times(3, () => call(s.client, "get_issue", ISSUE));
    const baseline = await s.collect(6);
    await times(3, () => call(s.client, "whoami"));
    const records = await s.collect(3);
    expect(firing(records, baseline)).toEqual({ "tool-volume-zero": [{ [ATTR.TOOL_NAME]: "get_issue" }] });
    // Nothing in the window at all: every tool of the baseline is reported.
    const states = evaluateAlert(alertById("tool-volume-zero"), emptyRecords(), Date.now(), baseline);
    expect(
      states
        .filter((state) => state.firing)
        .map((state) => state.group[ATTR.TOOL_NAME])
        .sort(),
    ).toEqual(["get_issue", "whoami"]);
  });

  it("unsampled calls: the metric forms group and filter by attributes the metrics carry, and fire too", async () => {
    const s = await scenario("obs-alerts-unsampled");
    await setFault({ kind: "status", status: 503, path: "/issues/" });
    const meta = { traceparent: UNSAMPLED };
    await times(5, () => s.client.callTool({ name: "get_issue", arguments: ISSUE, _meta: meta }));
    await times(5, () => s.client.callTool({ name: "whoami", arguments: {}, _meta: meta }));
    const records = await s.collectUntil(
      (r) => r.metrics.filter((m) => m.name === METRIC.TOOL_CALLS).length >= 10,
    );
    const metrics = records.metrics.filter((m) => m.attributes[ATTR.TARGET] !== undefined);
    const unsampled = [...PANELS, ...ALERTS].filter((definition) => definition.unsampled);
    for (const alert of unsampled) {
      const form = alert.unsampled as { measure: Measure; groupBy: readonly string[] };
      for (const query of queriesOf(form.measure)) {
        const named = records.metrics.filter((m) => m.name === query.metric?.name);
        if (query.metric?.name === METRIC.REPLY_TRUNCATED) continue; // no cut reply in this traffic
        expect(named.length, `${alert.id}: ${query.metric?.name}`).toBeGreaterThan(0);
        for (const key of [...form.groupBy, ...query.filters.map((filter) => filter.key)]) {
          expect(
            named.some((m) => m.attributes[key] !== undefined),
            `${alert.id}: ${key}`,
          ).toBe(true);
        }
      }
    }
    expect(metrics.length).toBeGreaterThan(0);
    const errorRate = alertById("tool-error-rate").unsampled as {
      measure: Measure;
      groupBy: readonly string[];
    };
    expect(evaluateMeasure(errorRate.measure, errorRate.groupBy, records)).toEqual([
      { group: { [ATTR.TARGET]: "get_issue" }, value: 1, samples: 5 },
      { group: { [ATTR.TARGET]: "whoami" }, value: 0, samples: 5 },
    ]);
  });

  // The scenarios above drive traffic far past each line (half or all of it bad) or nowhere near it, so
  // they pin what each alert groups by but not where it fires. These put traffic on both sides of each
  // threshold: just over it fires, and exactly at it stays quiet (every threshold alert compares with
  // `>`). For the rates the quiet traffic is the firing batch plus one clean call; for the result size,
  // a batch of results one byte smaller.
  describe("each threshold, from both sides of its line", () => {
    /** `a` and `b` together, leaving both as they were. */
    const both = (a: TelemetryRecords, b: TelemetryRecords) => addRecords(addRecords(emptyRecords(), a), b);
    /** One alert's groups, with value and samples, as evaluated over `records` alone. */
    const stateOf = (id: string, records: TelemetryRecords) =>
      evaluateAlert(alertById(id), records, Date.now()).map(({ group, value, samples, firing }) => ({
        group,
        value,
        samples,
        firing,
      }));
    /**
     * Runs `overLine` (its `calls` requests make the batch over the line), then `oneMore` clean request;
     * returns the batch's records, and the batch's with the clean one's.
     */
    const overThenAt = async (
      s: Scenario,
      calls: number,
      overLine: () => Promise<void>,
      oneMore: () => Promise<unknown>,
    ) => {
      await overLine();
      const over = await s.collect(calls);
      await oneMore();
      return { over, at: both(over, await s.collect(1)) };
    };
    /** Records, and the alert's value and samples over them. */
    type Side = readonly [records: TelemetryRecords, value: number, samples: number];
    /**
     * The alert's one group fires over `over` and not over `at`, with the values and samples given;
     * over `at` no alert fires, over `over` only this one (or the alerts `firesOver` says).
     */
    const expectSides = (
      id: string,
      group: Record<string, string>,
      [overRecords, overValue, overSamples]: Side,
      [atRecords, atValue, atSamples]: Side,
      firesOver: Record<string, Array<Record<string, string>>> = { [id]: [group] },
    ) => {
      expect(stateOf(id, overRecords), `${id} over the line`).toEqual([
        { group, value: overValue, samples: overSamples, firing: true },
      ]);
      expect(stateOf(id, atRecords), `${id} at the line`).toEqual([
        { group, value: atValue, samples: atSamples, firing: false },
      ]);
      expect(firing(overRecords), "the alerts over the line").toEqual(firesOver);
      expect(firing(atRecords), "the alerts at the line").toEqual({});
    };

    it("tool errors: 1 in 19 calls fires the tool error rate and its family's silent isError rate, 1 in 20 (5%) does not", async () => {
      const s = await scenario("obs-alerts-error-line");
      await setFault({ kind: "status", status: 502, path: "/issues/", times: 1 });
      const getIssue = () => call(s.client, "get_issue", ISSUE);
      const { over, at } = await overThenAt(
        s,
        19,
        async () => {
          await getIssue();
          await inParallel(18, getIssue);
        },
        getIssue,
      );
      const tool = { [ATTR.TOOL_NAME]: "get_issue" };
      const family = { [ATTR.CLIENT_FAMILY]: "claude" };
      const overLine = [over, 1 / 19, 19] as const;
      const atLine = [at, 0.05, 20] as const;
      const fires = { "tool-error-rate": [tool], "silent-error-rate-by-client": [family] };
      expectSides("tool-error-rate", tool, overLine, atLine, fires);
      expectSides("silent-error-rate-by-client", family, overLine, atLine, fires);
    });

    it("invalid arguments: 1 in 9 calls fires the schema-mismatch rate, 1 in 10 (10%) does not", async () => {
      const s = await scenario("obs-alerts-invalid-line");
      const getIssue = () => call(s.client, "get_issue", ISSUE);
      const { over, at } = await overThenAt(
        s,
        9,
        async () => {
          await call(s.client, "get_issue", { ...ISSUE, number: "one" });
          await times(8, getIssue);
        },
        getIssue,
      );
      const tool = { [ATTR.TOOL_NAME]: "get_issue" };
      expectSides("schema-mismatch-rate", tool, [over, 1 / 9, 9], [at, 0.1, 10]);
    });

    it("the rate limit: 1 refused call in 99 fires, 1 in 100 (1%) does not", async () => {
      const s = await scenario("obs-alerts-limited-line", "Visual Studio Code");
      const limiter = (env as unknown as { MCP_RATE_LIMITER: RateLimit }).MCP_RATE_LIMITER;
      // The clean call first: once the budget is used up, calls stay refused until the window ends. 100
      // calls (and the scenario's whoami) are within the limit of 120 a minute.
      await call(s.client, "whoami");
      const clean = await s.collect(1);
      // Over both sessions, ten at a time: only the count matters here, and 98 in a row take seconds.
      await inParallel(98, (i) => call(i % 2 ? s.second : s.client, "whoami"));
      for (let i = 0; i < 10_000; i++)
        if (!(await limiter.limit({ key: rateLimitKey(Number(s.userId)) })).success) break;
      await call(s.client, "whoami");
      const over = await s.collect(99);
      const at = both(clean, over);
      const family = { [ATTR.CLIENT_FAMILY]: "vscode" };
      expectSides("rate-limited", family, [over, 1 / 99, 99], [at, 0.01, 100]);
    });

    it("re-reads: 2 in 9 reads of a template fire the re-read rate, 2 in 10 (20%) do not", async () => {
      const s = await scenario("obs-alerts-reread-line");
      // A second read in the same session is a re-read; the other session's first reads are not.
      const { over, at } = await overThenAt(
        s,
        9,
        async () => {
          for (const repo of PUBLIC_READMES) await read(s.client, README(repo));
          await times(2, () => read(s.client, README("octocat/hello-world")));
          for (const repo of PUBLIC_READMES.slice(0, 3)) await read(s.second, README(repo));
        },
        () => read(s.second, README(PUBLIC_READMES[3] as string)),
      );
      const template = { [ATTR.RESOURCE_TEMPLATE]: "github://repos/{owner}/{repo}/readme" };
      expectSides("resource-reread-rate", template, [over, 2 / 9, 9], [at, 0.2, 10]);
    });

    it("result size: results of 10241 bytes fire the p95 alert, results of 10240 (10 KB) do not", async () => {
      const s = await scenario("obs-alerts-size-line");
      const target = { repo: "octocat/hello-world", issue: 1 };
      const sizes = (records: TelemetryRecords) =>
        records.spans
          .filter((span) => span.attributes[ATTR.METHOD_NAME] === METHOD.TOOLS_CALL)
          .map((span) => span.attributes[ATTR.RESULT_BYTES]);
      // The reply is the issue's header lines and its body: measure the header once, then size the
      // body so that the whole result is the bytes under test.
      const probe = 10_000;
      await setGeneratedText(target, probe);
      await call(s.client, "get_issue", ISSUE);
      const header = Number(sizes(await s.collect(1))[0]) - probe;
      expect(header).toBeGreaterThan(0);
      const batch = async (bytes: number) => {
        await setGeneratedText(target, bytes - header);
        await times(3, () => call(s.client, "get_issue", ISSUE));
        const records = await s.collect(3);
        expect(sizes(records)).toEqual([bytes, bytes, bytes]);
        return records;
      };
      const at = await batch(10_240);
      const over = await batch(10_241);
      const tool = { [ATTR.TOOL_NAME]: "get_issue" };
      expectSides("result-size-p95", tool, [over, 10_241, 3], [at, 10_240, 3]);
    });
  });

  it("every attribute the panels and alerts filter or group by was on the spans and logs these scenarios sent", () => {
    const missing = [...PANELS, ...ALERTS].flatMap((definition) =>
      queriesOf(definition.measure).flatMap((query) => {
        const sent = query.dataset === "logs" ? seen.logs : seen.spans;
        return [
          ...definition.groupBy,
          ...query.filters.map((filter) => filter.key),
          ...("field" in query.aggregate ? [query.aggregate.field] : []),
        ]
          .filter((key) => !Object.values(FIELD).includes(key as never))
          .filter((key) => !sent.some((record) => record.attributes[key] !== undefined))
          .map((key) => `${definition.id}: ${key}`);
      }),
    );
    expect(missing).toEqual([]);
  });
});

function queriesOf(measure: Measure): Query[] {
  return measure.kind === "single" ? [measure.query] : [measure.numerator, measure.denominator];
}
