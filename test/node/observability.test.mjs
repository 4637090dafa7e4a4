// `npm run observability -- plan|apply` against the fake Sentry API (test/doubles/fake-sentry-api.ts, written
// from Sentry's public API schema): the plan, apply, idempotence, updates field by field, objects we do
// not manage, and every error the issue names (401/403 scopes, unknown org or project, a 400 that names
// its definition, a partial apply). The script runs as its own process, as a user runs it.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadFakeSentryApi } from "../../scripts/lib/doubles.mjs";
import { serveFetch } from "../../scripts/lib/http.mjs";
import { importTypeScriptSource, ROOT } from "../../scripts/lib/typescript.mjs";

const PORT = 19402; // this helper's range is 19400-19499
const ORG = "acme";
const PROJECT = "mcp-server";
const FULL = ["org:read", "project:read", "alerts:write"];
const TOKENS = { full: FULL, "no-alerts": ["org:read", "project:read"] };

let createFake;
let fake;
let server;
let defs;

/** Runs the script with these settings (and no other SENTRY_*); resolves with its exit code and output. */
function run(args, settings = {}) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("SENTRY_")) delete env[name];
  Object.assign(env, {
    SENTRY_AUTH_TOKEN: "full",
    SENTRY_ORG: ORG,
    SENTRY_PROJECT: PROJECT,
    SENTRY_URL: server.url,
    ...settings,
  });
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "scripts", "observability.mjs"), ...args],
      { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const writes = () => fake.requests.filter((r) => r.method === "POST" || r.method === "PUT");
const ourDashboard = () => fake.dashboards(ORG).find((d) => d.title === defs.render.DASHBOARD_TITLE);
const snubaQuery = (detector) => detector.dataSources[0].queryObj.snubaQuery;

beforeAll(async () => {
  createFake = await loadFakeSentryApi();
  server = await serveFetch((request) => fake.fetch(request), { port: PORT });
  defs = await importTypeScriptSource(
    `export { PANELS, ALERTS, BOOLEAN_ATTRIBUTES } from "./src/observability/definitions";
     export * as render from "./src/observability/sentry";
     export { ATTR } from "./src/telemetry/names";
     import { tools } from "./src/tools/index";
     export const toolNames = Object.keys(tools);`,
    "test definitions",
  );
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  // Small pages, so that every list the script reads spans several of them.
  fake = createFake({
    organizations: [
      {
        slug: ORG,
        id: "7",
        projects: [
          { slug: PROJECT, id: "42" },
          { slug: "web", id: "43" },
        ],
      },
      { slug: "other-org", id: "8", projects: [{ slug: PROJECT, id: "44" }] },
    ],
    tokens: TOKENS,
    pageSize: 5,
  });
});

/** A valid metric monitor body, as the monitor docs' examples write one. */
const monitorBody = (source = {}, overrides = {}) => ({
  name: "m",
  type: "metric_issue",
  dataSources: [
    {
      aggregate: "count()",
      dataset: "events_analytics_platform",
      eventTypes: ["trace_item_span"],
      query: "",
      queryType: 1,
      timeWindow: 3600,
      ...source,
    },
  ],
  conditionGroup: { logicType: "any", conditions: [{ type: "gt", comparison: 1, conditionResult: 75 }] },
  config: { detectionType: "static" },
  ...overrides,
});

/** What the definitions render to, as the script renders them (project 42, the registry's tools). */
function rendered() {
  const { dashboard, skipped } = defs.render.renderDashboard(defs.PANELS, 42, defs.ALERTS);
  const groups = { [defs.ATTR.TOOL_NAME]: defs.toolNames, [defs.ATTR.TOOL_TAG]: defs.toolNames };
  return { dashboard, skippedPanels: skipped, ...defs.render.renderMonitors(defs.ALERTS, groups) };
}

describe("npm run observability", () => {
  it("plan (the default) prints the full plan and writes nothing", async () => {
    const { code, stdout } = await run([]);
    expect(code).toBe(0);
    const { dashboard, monitors, skipped, skippedPanels } = rendered();
    expect(stdout).toContain(`+ create    "${defs.render.DASHBOARD_TITLE}"`);
    for (const widget of dashboard.widgets) {
      expect(stdout).toContain(`"${widget.title}": ${widget.queries[0].aggregates.join(", ")}`);
    }
    for (const { body } of monitors) expect(stdout).toContain(`+ create    "${body.name}"`);
    // Every definition is accounted for: rendered, or listed with the reason it has no Sentry form.
    for (const panel of defs.PANELS) {
      const shown = dashboard.widgets.some((w) => w.title === panel.title);
      expect(shown || stdout.includes(`panel ${panel.id} "`), panel.id).toBe(true);
    }
    for (const alert of defs.ALERTS) {
      const made = monitors.some((m) => m.alertId === alert.id);
      expect(made || stdout.includes(`alert ${alert.id} "`), alert.id).toBe(true);
    }
    for (const s of [...skipped, ...skippedPanels]) expect(stdout).toContain(s.reason);
    // A ratio alert has no monitor; the dashboard charts what it watches instead.
    for (const alert of defs.ALERTS.filter((a) => a.measure.kind === "ratio")) {
      const title = `Alert: ${alert.name.replace(/^MCP: /, "")}`;
      expect(dashboard.widgets.map((w) => w.title)).toContain(title);
      expect(skipped.map((s) => s.id)).toContain(alert.id);
    }
    expect(stdout).toContain(`Plan: ${1 + monitors.length} to create, 0 to update, 0 unchanged.`);
    expect(writes()).toEqual([]);
  });

  it("splits an alert grouped by tool into one monitor per registry tool, and says so", async () => {
    const { monitors } = rendered();
    const byTool = defs.ALERTS.filter(
      (a) => a.measure.kind === "single" && a.groupBy.length === 1 && a.groupBy[0] === defs.ATTR.TOOL_NAME,
    );
    expect(byTool.length).toBeGreaterThan(0);
    const { stdout } = await run(["plan"]);
    for (const alert of byTool) {
      const names = monitors.filter((m) => m.alertId === alert.id).map((m) => m.body.name);
      expect(names.sort()).toEqual(
        defs.toolNames.map((tool) => `observable-mcp: ${alert.name} (${tool})`).sort(),
      );
      for (const m of monitors.filter((m) => m.alertId === alert.id)) {
        const tool = /\(([^)]+)\)$/.exec(m.body.name)[1];
        expect(m.body.dataSources[0].query).toContain(`${defs.ATTR.TOOL_NAME}:${tool}`);
      }
      expect(stdout).toContain(
        `${alert.id}: Sentry monitors cannot group by ${defs.ATTR.TOOL_NAME}: one monitor per value`,
      );
    }
  });

  it("apply creates everything; a second apply changes nothing", async () => {
    const first = await run(["apply"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const { dashboard, monitors } = rendered();
    const stored = ourDashboard();
    expect(stored.widgets.map((w) => w.title)).toEqual(dashboard.widgets.map((w) => w.title));
    expect(stored.projects).toEqual([42]);
    const names = fake.detectors(ORG).map((d) => d.name);
    expect(names.sort()).toEqual(monitors.map((m) => m.body.name).sort());
    expect(fake.detectors(ORG).every((d) => d.projectId === "42")).toBe(true);
    expect(first.stdout).toContain(`Done: ${1 + monitors.length} written.`);

    const writesBefore = writes().length;
    const second = await run(["apply"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`Plan: 0 to create, 0 to update, ${1 + monitors.length} unchanged.`);
    expect(second.stdout).toContain("Nothing to write");
    expect(writes().length).toBe(writesBefore);
    expect(fake.dashboards(ORG).filter((d) => d.title === defs.render.DASHBOARD_TITLE)).toHaveLength(1);
  });

  it("an object changed in Sentry is planned as an update, field by field, and apply puts it back", async () => {
    expect((await run(["apply"])).code).toBe(0);
    const monitor = fake.detectors(ORG).find((d) => d.name.includes("tool volume dropped to zero"));
    snubaQuery(monitor).timeWindow = 300;
    monitor.conditionGroup.conditions[0].comparison = 3;
    const widget = ourDashboard().widgets.find((w) => w.title === "p95 latency by tool");
    widget.queries[0].aggregates = ["p50(span.duration)"];
    const widgetId = widget.id;

    const plan = await run(["plan"]);
    expect(plan.stdout).toContain(`~ update    "${monitor.name}"`);
    expect(plan.stdout).toContain("dataSources[0].timeWindow: 300 -> 3600");
    expect(plan.stdout).toContain("conditionGroup.conditions[0].comparison: 3 -> 1");
    expect(plan.stdout).toContain(
      'widgets["p95 latency by tool"].queries[0].aggregates: ["p50(span.duration)"] -> ["p95(span.duration)"]',
    );
    expect(plan.stdout).toContain("Plan: 0 to create, 2 to update");

    expect((await run(["apply"])).code).toBe(0);
    const after = fake.detectors(ORG).find((d) => d.id === monitor.id);
    expect(snubaQuery(after).timeWindow).toBe(3600);
    const fixed = ourDashboard().widgets.find((w) => w.title === "p95 latency by tool");
    expect(fixed.queries[0].aggregates).toEqual(["p95(span.duration)"]);
    expect(fixed.id).toBe(widgetId); // updated in place, not replaced
    expect((await run(["plan"])).stdout).toContain("Plan: 0 to create, 0 to update");
  });

  it("leaves dashboards and monitors it does not manage untouched", async () => {
    const board = fake.seedDashboard(ORG, {
      title: "Team board",
      widgets: [
        {
          title: "Errors",
          displayType: "line",
          widgetType: "error-events",
          queries: [{ fields: ["count()"], aggregates: ["count()"], conditions: "" }],
        },
      ],
    });
    const monitor = fake.seedDetector(
      ORG,
      PROJECT,
      monitorBody({ aggregate: "p95(span.duration)" }, { name: "Checkout latency" }),
    );
    const before = JSON.stringify([board, monitor]);
    const { code, stdout } = await run(["apply"]);
    expect(code).toBe(0);
    expect(stdout).toContain('Left alone: 2 dashboard(s) and 1 monitor(s) not named "observable-mcp: …".');
    const after = [
      fake.dashboards(ORG).find((d) => d.id === board.id),
      fake.detectors(ORG).find((d) => d.id === monitor.id),
    ];
    expect(JSON.stringify(after)).toBe(before);
    expect(
      writes().filter((r) => r.path.includes(`/${board.id}/`) || r.path.includes(`/${monitor.id}/`)),
    ).toEqual([]);
  });

  it("a monitor named by us but no longer defined is reported, not deleted", async () => {
    const stale = fake.seedDetector(
      ORG,
      PROJECT,
      monitorBody({ aggregate: "count()" }, { name: "observable-mcp: MCP: an alert that was removed" }),
    );
    const { code, stdout } = await run(["apply"]);
    expect(code).toBe(0);
    expect(stdout).toContain(`? "${stale.name}" (id ${stale.id})`);
    expect(fake.detectors(ORG).some((d) => d.id === stale.id)).toBe(true);
  });

  it("an invalid token gets an error that names the scopes to create one with", async () => {
    const { code, stdout, stderr } = await run(["plan"], { SENTRY_AUTH_TOKEN: "sntrys_revoked" });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("Sentry refused SENTRY_AUTH_TOKEN (401: Invalid token)");
    expect(stderr).toContain("org:read, project:read and alerts:write");
  });

  it("a token without alerts:write: apply writes the dashboard, stops at the first monitor, says what is missing", async () => {
    const { code, stdout, stderr } = await run(["apply"], { SENTRY_AUTH_TOKEN: "no-alerts" });
    expect(code).toBe(1);
    expect(stdout).toContain(
      "The token may not create a monitor (403: You do not have permission to perform this action.)",
    );
    expect(stdout).toContain("needs one of the scopes alerts:write, project:write, project:admin");
    expect(stderr).toContain("Sentry now holds part of the plan. Written (1):");
    expect(stderr).toContain(`created dashboard "${defs.render.DASHBOARD_TITLE}"`);
    const { monitors } = rendered();
    expect(stderr).toContain(`Not written (${monitors.length}):`);
    expect(stderr).toContain("not tried after the failure above");
    expect(ourDashboard()).toBeDefined();
    expect(fake.detectors(ORG)).toEqual([]);
  });

  it("an unknown organization or project says which", async () => {
    const org = await run(["plan"], { SENTRY_ORG: "acne" });
    expect(org.code).toBe(1);
    expect(org.stderr).toContain('Sentry has no organization "acne" (SENTRY_ORG)');
    const project = await run(["plan"], { SENTRY_PROJECT: "mcp-sever" });
    expect(project.code).toBe(1);
    expect(project.stderr).toContain('Organization "acme" has no project "mcp-sever" (SENTRY_PROJECT)');
  });

  it("a Sentry without the monitors API (an older self-hosted one) is told apart from a missing project", async () => {
    fake.fault({
      method: "GET",
      path: "/detectors/",
      status: 404,
      answer: { detail: "The requested resource does not exist" },
    });
    const { code, stderr } = await run(["plan"]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      "This Sentry has no monitors API (GET /api/0/organizations/acme/detectors/ answered 404",
    );
  });

  it("missing settings are named before anything is called", async () => {
    const { code, stderr } = await run(["plan"], { SENTRY_AUTH_TOKEN: undefined, SENTRY_PROJECT: undefined });
    expect(code).toBe(1);
    expect(stderr).toContain("Missing SENTRY_AUTH_TOKEN, SENTRY_PROJECT.");
    expect(fake.requests).toEqual([]);
  });

  it("a 400 shows Sentry's message and the definition it came from; the other objects are still written", async () => {
    const { monitors } = rendered();
    const victim = monitors.find((m) => m.alertId === "result-size-p95") ?? monitors[0];
    fake.fault({
      method: "POST",
      path: "/detectors/",
      body: (body) => body?.name === victim.body.name,
      status: 400,
      answer: { dataSources: [{ aggregate: ["Invalid Metric"] }] },
    });
    const { dashboard } = rendered();
    const { widgetDefinitions } = defs.render.renderDashboard(defs.PANELS, 42, defs.ALERTS);
    fake.fault({
      method: "POST",
      path: "/dashboards/",
      status: 400,
      answer: { widgets: [{}, { queries: [{ fields: "Invalid fields: not a column" }] }] },
    });
    const { code, stdout, stderr } = await run(["apply"]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      `Sentry refused monitor "${victim.body.name}" (definition ${victim.alertId}) (400): dataSources[0].aggregate: Invalid Metric`,
    );
    expect(stdout).toContain(
      `widgets[1] (definition ${widgetDefinitions[1]}).queries[0].fields: Invalid fields: not a column`,
    );
    expect(stderr).toContain(`Written (${monitors.length - 1}):`);
    expect(stderr).toContain("Not written (2):");
    expect(fake.detectors(ORG)).toHaveLength(monitors.length - 1);
    expect(dashboard.widgets.length).toBeGreaterThan(1);
  });

  it("a failure mid-way stops, reports what was and was not written, and the next apply finishes the rest", async () => {
    const { monitors } = rendered();
    let created = 0;
    fake.fault({
      method: "POST",
      path: "/detectors/",
      // The third monitor's create meets a Sentry outage.
      body: () => ++created === 3,
      status: 503,
      answer: { detail: "Service unavailable" },
    });
    const first = await run(["apply"]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("Written (3):"); // the dashboard and two monitors
    expect(first.stderr).toContain(`Not written (${monitors.length - 2}):`);
    expect(first.stderr).toContain("(503): Service unavailable");
    expect(fake.detectors(ORG)).toHaveLength(2);

    const second = await run(["apply"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`Plan: ${monitors.length - 2} to create, 0 to update, 3 unchanged.`);
    expect(fake.detectors(ORG)).toHaveLength(monitors.length);
  });

  it("refuses an unknown command with the usage", async () => {
    const { code, stderr } = await run(["destroy"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Usage: npm run observability -- [plan|apply]");
  });
});

describe("the fake Sentry API refuses what Sentry's docs say it refuses", () => {
  const call = (method, path, body, token = "full") =>
    fake
      .fetch(
        new Request(`http://sentry.test/api/0/${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      )
      .then(async (response) => ({ status: response.status, body: await response.json() }));
  const widget = (overrides = {}, query = {}) => ({
    title: "w",
    displayType: "line",
    widgetType: "spans",
    queries: [{ fields: ["count()"], aggregates: ["count()"], columns: [], conditions: "", ...query }],
    ...overrides,
  });
  it("checks the token and its scopes", async () => {
    expect((await call("GET", `organizations/${ORG}/`, undefined, "nope")).status).toBe(401);
    expect(
      (await call("POST", `organizations/${ORG}/projects/${PROJECT}/detectors/`, monitorBody(), "no-alerts"))
        .status,
    ).toBe(403);
    expect((await call("GET", "organizations/nope/")).status).toBe(404);
  });

  it.each([
    [
      "an untyped custom number attribute",
      { aggregates: ["p95(mcp.result.bytes)"], fields: ["p95(mcp.result.bytes)"] },
    ],
    ["an unknown function", { aggregates: ["median(span.duration)"], fields: ["median(span.duration)"] }],
    ["a field that is neither aggregate nor column", { fields: ["count()", "gen_ai.tool.name"] }],
    [
      "an equation over a bad operand",
      { aggregates: ["equation|count() / p95(x)"], fields: ["equation|count() / p95(x)"] },
    ],
    ["broken search syntax", { conditions: 'span.op:"mcp.server' }],
    ["an orderby that is not in the query", { orderby: "-p95(span.duration)" }],
  ])("a widget query with %s", async (_, query) => {
    const { status } = await call("POST", `organizations/${ORG}/dashboards/`, {
      title: "t",
      widgets: [widget({}, query)],
    });
    expect(status).toBe(400);
  });

  it("widgets past the limit, off the 6-column grid, or of an unknown type", async () => {
    const many = Array.from({ length: 31 }, () => widget());
    expect(
      (await call("POST", `organizations/${ORG}/dashboards/`, { title: "t", widgets: many })).status,
    ).toBe(400);
    const layout = { x: 4, y: 0, w: 3, h: 2, minH: 2 };
    expect(
      (await call("POST", `organizations/${ORG}/dashboards/`, { title: "t", widgets: [widget({ layout })] }))
        .status,
    ).toBe(400);
    expect(
      (
        await call("POST", `organizations/${ORG}/dashboards/`, {
          title: "t",
          widgets: [widget({ widgetType: "span" })],
        })
      ).status,
    ).toBe(400);
    const ok = await call("POST", `organizations/${ORG}/dashboards/`, {
      title: "t",
      widgets: [
        widget(
          {},
          {
            aggregates: [
              "equation|count_if(mcp.outcome,notEquals,success) / count()",
              "p95(tags[mcp.result.bytes,number])",
            ],
            fields: [
              "equation|count_if(mcp.outcome,notEquals,success) / count()",
              "p95(tags[mcp.result.bytes,number])",
            ],
            conditions: "span.op:mcp.server mcp.method.name:[tools/call,prompts/get] !mcp.outcome:success",
          },
        ),
        widget(
          { widgetType: "tracemetrics" },
          {
            aggregates: ["sum(value,mcp.tool.calls,counter,-)"],
            fields: ["sum(value,mcp.tool.calls,counter,-)"],
          },
        ),
      ],
    });
    expect(ok.status).toBe(201);
    expect((await call("POST", `organizations/${ORG}/dashboards/`, { title: "t" })).status).toBe(409);
  });

  it.each([
    ["an equation (Sentry cannot alert on one)", monitorBody({ aggregate: "equation|count() / count()" })],
    ["a window Sentry does not offer", monitorBody({ timeWindow: 120 })],
    ["a span aggregate on the metrics event type", monitorBody({ eventTypes: ["trace_item_metric"] })],
    ["two event types", monitorBody({ eventTypes: ["trace_item_span", "trace_item_log"] })],
    [
      "a change monitor without a valid delta",
      monitorBody({}, { config: { detectionType: "percent", comparisonDelta: 1234 } }),
    ],
    [
      "a condition result that is not 75, 50 or 0",
      monitorBody(
        {},
        {
          conditionGroup: {
            logicType: "any",
            conditions: [{ type: "gt", comparison: 1, conditionResult: 60 }],
          },
        },
      ),
    ],
    ["no name", monitorBody({}, { name: "" })],
  ])("a monitor with %s", async (_, body) => {
    const { status } = await call("POST", `organizations/${ORG}/projects/${PROJECT}/detectors/`, body);
    expect(status).toBe(400);
  });

  it("returns a created monitor in the shape the docs show, and lists it by project", async () => {
    const created = await call("POST", `organizations/${ORG}/projects/${PROJECT}/detectors/`, monitorBody());
    expect(created.status).toBe(201);
    expect(created.body.dataSources[0].queryObj.snubaQuery.aggregate).toBe("count()");
    expect(created.body.projectId).toBe("42");
    expect((await call("GET", `organizations/${ORG}/detectors/?project=42`)).body).toHaveLength(1);
    expect((await call("GET", `organizations/${ORG}/detectors/?project=43`)).body).toHaveLength(0);
  });
});

describe("rendering the definitions for Sentry", () => {
  const alert = (id) => defs.ALERTS.find((a) => a.id === id);
  const only = (id) =>
    defs.render.renderMonitors([alert(id)], { [defs.ATTR.TOOL_NAME]: ["whoami"] }).monitors[0].body;

  it("a relative alert is a change monitor: value > factor x baseline is gt factor x 100 percent", () => {
    const relative = defs.ALERTS.find((a) => a.condition.kind === "relative" && a.measure.kind === "single");
    const body = only(relative.id);
    const seconds = { "1d": 86_400, "1w": 604_800 }[relative.condition.comparison];
    expect(body.config).toEqual({ detectionType: "percent", comparisonDelta: seconds });
    const percent = relative.condition.factor * 100;
    expect(body.conditionGroup.conditions).toEqual([
      { type: "gt", comparison: percent, conditionResult: 75 },
      { type: "lte", comparison: percent, conditionResult: 0 },
    ]);
  });

  it("a threshold alert opens on its operator and resolves on the opposite one", () => {
    const above = defs.ALERTS.find(
      (a) => a.condition.kind === "threshold" && a.condition.op === ">" && a.measure.kind === "single",
    );
    const body = only(above.id);
    expect(body.config).toEqual({ detectionType: "static" });
    expect(body.conditionGroup.conditions).toEqual([
      { type: "gt", comparison: above.condition.value, conditionResult: 75 },
      { type: "lte", comparison: above.condition.value, conditionResult: 0 },
    ]);
    expect(body.dataSources[0].timeWindow).toBe(
      { "5m": 300, "10m": 600, "1h": 3600, "1d": 86_400 }[above.window],
    );
  });

  it("'dropped to zero' is a change monitor against a week earlier, not a static count == 0", () => {
    const zero = defs.ALERTS.find(
      (a) => a.condition.kind === "threshold" && a.condition.op === "==" && a.condition.value === 0,
    );
    const body = only(zero.id);
    expect(body.config).toEqual({ detectionType: "percent", comparisonDelta: 604_800 });
    expect(body.conditionGroup.conditions).toEqual([
      { type: "lt", comparison: 1, conditionResult: 75 },
      { type: "gte", comparison: 1, conditionResult: 0 },
    ]);
  });

  it("compares the boolean span attributes as booleans, in filters and in count_if", () => {
    const { dashboard } = defs.render.renderDashboard(defs.PANELS, 1, defs.ALERTS);
    const monitors = defs.render.renderMonitors(defs.ALERTS, { [defs.ATTR.TOOL_NAME]: ["whoami"] }).monitors;
    const text = JSON.stringify([dashboard, monitors.map((m) => m.body)]);
    expect(defs.BOOLEAN_ATTRIBUTES.length).toBeGreaterThan(0);
    for (const key of defs.BOOLEAN_ATTRIBUTES) {
      // Every definition that compares one reaches Sentry typed; none is left bare.
      expect(text).toContain(`tags[${key},boolean]`);
      expect(text.split(`tags[${key},boolean]`).join("")).not.toContain(key);
    }
  });

  it("a ratio panel is one equation of count_if over count(), on the filters both sides share", () => {
    const panel = defs.PANELS.find(
      (p) => p.measure.kind === "ratio" && p.measure.numerator.aggregate.fn === "count_if",
    );
    const { dashboard } = defs.render.renderDashboard([panel], 1);
    const [query] = dashboard.widgets[0].queries;
    const { field, op, value } = panel.measure.numerator.aggregate;
    expect(query.aggregates).toEqual([`equation|count_if(${field},${op},${value}) / count()`]);
    expect(query.conditions).toBe(defs.render.conditions(panel.measure.denominator.filters));
    expect(query.orderby).toBe(panel.groupBy.length ? "-equation[0]" : "");
  });

  it("refuses a dashboard with more widgets than Sentry takes, before any call", () => {
    const panel = defs.PANELS.find((p) => !p.unsampled);
    const many = Array.from({ length: defs.render.MAX_WIDGETS + 1 }, (_, i) => ({
      ...panel,
      id: `p${i}`,
      title: `P${i}`,
    }));
    expect(() => defs.render.renderDashboard(many, 1)).toThrow(/at most 30/);
    expect(() => defs.render.renderDashboard(many.slice(1), 1)).not.toThrow();
  });
});
