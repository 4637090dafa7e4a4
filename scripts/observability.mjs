// `npm run observability -- plan|apply`: puts the dashboard and alerts of src/observability/definitions.ts
// into Sentry through its REST API. `plan` (the default) prints what would change, object by object and
// field by field; `apply` writes it. Idempotent by name: objects are found by their name, which starts
// with "observable-mcp: ", and anything else in the organization is never read for change or written.
//
// Settings: SENTRY_AUTH_TOKEN, SENTRY_ORG, SENTRY_PROJECT, SENTRY_URL (default https://sentry.io).
// The definitions and the renderer (src/observability/sentry.ts) are TypeScript, loaded through esbuild
// in memory; the tool names come from the registry (src/tools/index.ts).
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { importTypeScriptSource } from "./lib/typescript.mjs";

/**
 * The token scopes each call needs, one of which suffices (docs.sentry.io/api, each endpoint's "Scopes";
 * getsentry/sentry-api-schema openapi-derefed.json `security`). The first of each is the least one.
 */
const SCOPES = {
  organization: ["org:read", "org:write", "org:admin"],
  project: ["project:read", "project:write", "project:admin"],
  dashboards: ["org:read", "org:write", "org:admin"],
  listMonitors: ["alerts:read", "org:read", "org:write", "org:admin"],
  createMonitor: ["alerts:write", "project:write", "project:admin"],
  updateMonitor: ["alerts:write", "org:read", "org:write", "org:admin"],
};
const NEEDED = "org:read, project:read and alerts:write";
const USAGE = `Usage: npm run observability -- [plan|apply]

  plan   (default) print what would be created or updated in Sentry, field by field
  apply  write it

Settings (environment): SENTRY_AUTH_TOKEN (scopes ${NEEDED}), SENTRY_ORG, SENTRY_PROJECT,
SENTRY_URL (default https://sentry.io; a self-hosted Sentry's URL).`;

/** An answer from Sentry that was not a success, with what was being done. */
class SentryApiError extends Error {
  constructor(request, status, body) {
    super(`${request.method} ${request.path}: ${status}`);
    this.request = request;
    this.status = status;
    this.body = body;
  }
}

/** A failure the user can act on; its message is the whole explanation. */
class UserFacingError extends Error {}

/** Sentry's error body as readable text: `detail`, or field errors as `path: message` (DRF's shapes). */
export function sentryMessage(body) {
  if (body === undefined || body === null || body === "") return "(no body)";
  if (typeof body === "string") return body.slice(0, 500);
  if (typeof body.detail === "string" && Object.keys(body).length === 1) return body.detail;
  const messages = [];
  const walk = (value, path) => {
    if (typeof value === "string") {
      messages.push(path ? `${path}: ${value}` : value);
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        walk(item, value.length > 1 || typeof item === "object" ? `${path}[${i}]` : path);
      }
    } else if (value && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key);
    }
  };
  walk(body, "");
  return messages.join("; ") || JSON.stringify(body);
}

function settingsFrom(env) {
  const missing = ["SENTRY_AUTH_TOKEN", "SENTRY_ORG", "SENTRY_PROJECT"].filter((name) => !env[name]);
  if (missing.length) {
    throw new UserFacingError(
      `Missing ${missing.join(", ")}. Set SENTRY_AUTH_TOKEN to a Sentry auth token with the scopes ${NEEDED}, ` +
        "SENTRY_ORG to the organization slug and SENTRY_PROJECT to the project slug " +
        "(and SENTRY_URL for a self-hosted Sentry).",
    );
  }
  const base = (env.SENTRY_URL || "https://sentry.io").replace(/\/+$/, "");
  return { token: env.SENTRY_AUTH_TOKEN, org: env.SENTRY_ORG, project: env.SENTRY_PROJECT, base };
}

/** A small client: JSON in and out, bearer auth, `Link`-header pagination, errors with their request. */
function client({ base, token }, fetchImpl) {
  async function call(method, path, { body, scopes, what } = {}) {
    const request = { method, path, scopes, what };
    let response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          "user-agent": "observable-mcp-observability",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new UserFacingError(
        `Cannot reach Sentry at ${base} (SENTRY_URL): ${error.cause?.message ?? error.message}`,
      );
    }
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    if (!response.ok) throw new SentryApiError(request, response.status, parsed);
    return { body: parsed, link: response.headers.get("link") ?? "" };
  }
  async function list(path, options) {
    const items = [];
    let next = path;
    while (next) {
      const { body, link } = await call("GET", next, options);
      items.push(...(Array.isArray(body) ? body : []));
      const more = /<([^>]+)>;\s*rel="next";\s*results="true"/.exec(link);
      next = more ? new URL(more[1]).pathname + new URL(more[1]).search : undefined;
    }
    return items;
  }
  return { call, list };
}

/** What a failed call means for the user: the scopes for 401/403, which name for 404, Sentry's words. */
function explain(error, settings, subject) {
  if (!(error instanceof SentryApiError)) return error.message;
  const { request, status, body } = error;
  const said = sentryMessage(body);
  if (status === 401) {
    return (
      `Sentry refused SENTRY_AUTH_TOKEN (401: ${said}). Create an auth token with the scopes ${NEEDED} ` +
      "(Sentry: Settings > Auth Tokens, or a user token with those scopes) and set SENTRY_AUTH_TOKEN to it."
    );
  }
  if (status === 403) {
    return (
      `The token may not ${request.what} (403: ${said}): that needs one of the scopes ${request.scopes.join(", ")}. ` +
      `This command needs a token with ${NEEDED}.`
    );
  }
  if (status === 404 && request.what === "read the organization") {
    return `Sentry has no organization "${settings.org}" (SENTRY_ORG) that this token can see (404: ${said}).`;
  }
  if (status === 404 && request.what === "read the project") {
    return `Organization "${settings.org}" has no project "${settings.project}" (SENTRY_PROJECT) that this token can see (404: ${said}).`;
  }
  if (status === 404 && request.what === "list monitors") {
    return (
      `This Sentry has no monitors API (GET ${request.path.split("?")[0]} answered 404: ${said}). Metric monitors ` +
      "(/detectors/) came with Sentry's New Monitors and Alerts; an older self-hosted Sentry has only " +
      "/alert-rules/, which this command does not write."
    );
  }
  if (status === 400 && subject) {
    // Sentry names a widget by its index; say which panel definition that widget came from.
    const named = said.replace(/widgets\[(\d+)\]/g, (match, index) => {
      const definition = subject.widgetDefinitions?.[Number(index)];
      return definition ? `${match} (definition ${definition})` : match;
    });
    return `Sentry refused ${subject.text} (400): ${named}`;
  }
  return `${request.method} ${request.path} failed (${status}): ${said}`;
}

/** Loads the definitions, the renderer and the tool names, in one esbuild bundle. */
async function loadDefinitions() {
  return importTypeScriptSource(
    `export { PANELS, ALERTS } from "./src/observability/definitions";
     export * as render from "./src/observability/sentry";
     export { ATTR } from "./src/telemetry/names";
     import { tools } from "./src/tools/index";
     export const toolNames = Object.keys(tools);`,
    "observability definitions",
  );
}

function describeCondition(body) {
  const [open] = body.conditionGroup.conditions;
  const config = body.config;
  const window = `${body.dataSources[0].timeWindow / 60} min window`;
  if (config.detectionType === "percent") {
    return `${open.type} ${open.comparison}% of the value ${config.comparisonDelta / 3600} h earlier, ${window}`;
  }
  return `${open.type} ${open.comparison}, ${window}`;
}

/** Builds the plan: for each object we render, create, update (with its field changes) or unchanged. */
async function makePlan(api, settings, loaded) {
  const { render } = loaded;
  const organization = await api.call("GET", `/api/0/organizations/${enc(settings.org)}/`, {
    scopes: SCOPES.organization,
    what: "read the organization",
  });
  const project = await api.call("GET", `/api/0/projects/${enc(settings.org)}/${enc(settings.project)}/`, {
    scopes: SCOPES.project,
    what: "read the project",
  });
  const orgPath = `/api/0/organizations/${enc(organization.body.slug ?? settings.org)}`;
  const projectId = String(project.body.id);

  const {
    dashboard,
    skipped: skippedPanels,
    widgetDefinitions,
  } = render.renderDashboard(loaded.PANELS, Number(projectId), loaded.ALERTS);
  const groupValues = { [loaded.ATTR.TOOL_NAME]: loaded.toolNames, [loaded.ATTR.TOOL_TAG]: loaded.toolNames };
  const rendered = render.renderMonitors(loaded.ALERTS, groupValues);

  const dashboards = await api.list(`${orgPath}/dashboards/?per_page=100`, {
    scopes: SCOPES.dashboards,
    what: "list dashboards",
  });
  const ours = dashboards.filter((d) => d.title === render.DASHBOARD_TITLE);
  const items = [];
  const panelIds = `${loaded.PANELS.length} panels, ${widgetDefinitions.filter((d) => d.startsWith("alert.")).length} ratio alerts`;
  if (ours.length === 0) {
    items.push({
      kind: "dashboard",
      action: "create",
      name: dashboard.title,
      body: dashboard,
      definitions: panelIds,
      widgetDefinitions,
    });
  } else {
    const detail = await api.call("GET", `${orgPath}/dashboards/${enc(ours[0].id)}/`, {
      scopes: SCOPES.dashboards,
      what: "read a dashboard",
    });
    const before = render.comparableDashboard(detail.body);
    const changes = render.diffDashboard(before, dashboard);
    // Widgets keep their ids where the title matches, so Sentry updates them in place (PUT semantics:
    // widgets with an id are updated, without one created, missing ones removed).
    const ids = new Map((detail.body.widgets ?? []).map((w) => [w.title, w.id]));
    const body = {
      ...dashboard,
      widgets: dashboard.widgets.map((w) => (ids.has(w.title) ? { id: ids.get(w.title), ...w } : w)),
    };
    items.push({
      kind: "dashboard",
      action: changes.length ? "update" : "unchanged",
      name: dashboard.title,
      id: ours[0].id,
      changes,
      body,
      definitions: panelIds,
      widgetDefinitions,
      duplicates: ours.length - 1,
    });
  }

  const detectors = await api.list(`${orgPath}/detectors/?project=${enc(projectId)}&per_page=100`, {
    scopes: SCOPES.listMonitors,
    what: "list monitors",
  });
  const byName = new Map();
  for (const detector of detectors) if (!byName.has(detector.name)) byName.set(detector.name, detector);
  const wanted = new Set();
  for (const { alertId, body } of rendered.monitors) {
    wanted.add(body.name);
    const existing = byName.get(body.name);
    if (!existing) {
      items.push({ kind: "monitor", action: "create", name: body.name, body, definitions: alertId });
      continue;
    }
    const changes = render.diffFields(render.comparableMonitor(existing), body);
    items.push({
      kind: "monitor",
      action: changes.length ? "update" : "unchanged",
      name: body.name,
      id: existing.id,
      changes,
      body,
      definitions: alertId,
    });
  }
  const stale = detectors.filter((d) => d.name.startsWith(render.MANAGED_PREFIX) && !wanted.has(d.name));
  const unmanaged = {
    dashboards: dashboards.filter((d) => !d.title.startsWith(render.MANAGED_PREFIX)).length,
    monitors: detectors.filter((d) => !d.name.startsWith(render.MANAGED_PREFIX)).length,
  };
  return {
    orgPath,
    projectId,
    items,
    skipped: [
      ...skippedPanels.map((s) => ({ ...s, kind: "panel" })),
      ...rendered.skipped.map((s) => ({ ...s, kind: "alert" })),
    ],
    notes: rendered.notes,
    stale,
    unmanaged,
  };
}

const enc = encodeURIComponent;
const SIGN = { create: "+", update: "~", unchanged: "=" };
const show = (value) => (value === undefined ? "(none)" : JSON.stringify(value));

function printPlan(plan, settings, out) {
  out(
    `Sentry: organization ${settings.org}, project ${settings.project} (id ${plan.projectId}), ${settings.base}`,
  );
  for (const kind of ["dashboard", "monitor"]) {
    out("");
    out(kind === "dashboard" ? "Dashboard" : "Metric monitors (alerts)");
    for (const item of plan.items.filter((i) => i.kind === kind)) {
      out(`  ${SIGN[item.action]} ${item.action.padEnd(9)} "${item.name}"  [${item.definitions}]`);
      if (item.action === "create" && kind === "dashboard") {
        for (const w of item.body.widgets) {
          const q = w.queries[0];
          const by = q.columns.length ? ` by ${q.columns.join(", ")}` : "";
          out(
            `        ${w.widgetType.padEnd(12)} ${w.displayType.padEnd(10)} "${w.title}": ${q.aggregates.join(", ")}${by}${q.conditions ? ` where ${q.conditions}` : ""}`,
          );
        }
      }
      if (item.action === "create" && kind === "monitor") {
        const source = item.body.dataSources[0];
        out(
          `        ${source.aggregate}${source.query ? ` where ${source.query}` : ""}: ${describeCondition(item.body)}`,
        );
      }
      for (const change of item.changes ?? [])
        out(`        ${change.path}: ${show(change.before)} -> ${show(change.after)}`);
      if (item.duplicates)
        out(`        (${item.duplicates} more dashboard(s) carry this title; only the first is managed)`);
    }
  }
  if (plan.notes.length) {
    out("");
    out("How alerts map to monitors:");
    for (const n of plan.notes) out(`  ${n.id}: ${n.note}`);
  }
  if (plan.skipped.length) {
    out("");
    out("Not written to Sentry (no Sentry form; the local page and its evaluation still have them):");
    for (const s of plan.skipped) out(`  - ${s.kind} ${s.id} "${s.title}": ${s.reason}`);
  }
  if (plan.stale.length) {
    out("");
    out("Named by us but no longer defined (left as they are; delete them in Sentry if they are obsolete):");
    for (const d of plan.stale) out(`  ? "${d.name}" (id ${d.id})`);
  }
  out("");
  out(
    `Left alone: ${plan.unmanaged.dashboards} dashboard(s) and ${plan.unmanaged.monitors} monitor(s) not named "${"observable-mcp: "}…".`,
  );
  const count = (action) => plan.items.filter((i) => i.action === action).length;
  out(`Plan: ${count("create")} to create, ${count("update")} to update, ${count("unchanged")} unchanged.`);
}

/** The call that writes a plan item: method, path, the scopes it needs, and what it does. */
function writeOf(item, plan, settings) {
  const id = enc(item.id ?? "");
  if (item.kind === "dashboard") {
    return item.action === "create"
      ? ["POST", `${plan.orgPath}/dashboards/`, SCOPES.dashboards, "create a dashboard"]
      : ["PUT", `${plan.orgPath}/dashboards/${id}/`, SCOPES.dashboards, "update a dashboard"];
  }
  return item.action === "create"
    ? [
        "POST",
        `${plan.orgPath}/projects/${enc(settings.project)}/detectors/`,
        SCOPES.createMonitor,
        "create a monitor",
      ]
    : ["PUT", `${plan.orgPath}/detectors/${id}/`, SCOPES.updateMonitor, "update a monitor"];
}

/** Writes the plan's creates and updates; returns what was written and what failed or was not tried. */
async function applyPlan(api, plan, settings, out) {
  const todo = plan.items.filter((i) => i.action !== "unchanged");
  const written = [];
  const failed = [];
  for (const [index, item] of todo.entries()) {
    const subject = {
      text: `${item.kind} "${item.name}" (${item.kind === "dashboard" ? "from" : "definition"} ${item.definitions})`,
      widgetDefinitions: item.widgetDefinitions,
    };
    try {
      const [method, path, scopes, what] = writeOf(item, plan, settings);
      await api.call(method, path, { body: item.body, scopes, what });
      written.push(item);
      out(`  ${item.action === "create" ? "created" : "updated"} ${item.kind} "${item.name}"`);
    } catch (error) {
      failed.push({ item, message: explain(error, settings, subject) });
      out(`  FAILED  ${item.kind} "${item.name}": ${explain(error, settings, subject)}`);
      // A refused body is that object's problem; anything else (auth, a missing org, Sentry down) would
      // fail every later call the same way, so stop there.
      if (!(error instanceof SentryApiError && error.status === 400)) {
        return { written, failed, notTried: todo.slice(index + 1) };
      }
    }
  }
  return { written, failed, notTried: [] };
}

/** Runs the command; `io` lets the test drive it in-process. Returns the exit code. */
export async function main(
  argv,
  { env = process.env, fetch: fetchImpl = fetch, out = console.log, err = console.error } = {},
) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    err(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  const [command = "plan", ...extra] = parsed.positionals;
  if (parsed.values.help) {
    out(USAGE);
    return 0;
  }
  if (!["plan", "apply"].includes(command) || extra.length) {
    err(`Unknown command ${[command, ...extra].join(" ")}.\n\n${USAGE}`);
    return 2;
  }
  let settings;
  let plan;
  try {
    settings = settingsFrom(env);
    const api = client(settings, fetchImpl);
    plan = await makePlan(api, settings, await loadDefinitions());
    printPlan(plan, settings, out);
    if (command === "plan") {
      const changes = plan.items.some((i) => i.action !== "unchanged");
      out(
        changes
          ? "Run `npm run observability -- apply` to write it."
          : "Sentry already matches the definitions.",
      );
      return 0;
    }
    if (!plan.items.some((i) => i.action !== "unchanged")) {
      out("Nothing to write: Sentry already matches the definitions.");
      return 0;
    }
    out("");
    out("Applying:");
    const result = await applyPlan(api, plan, settings, out);
    if (result.failed.length === 0) {
      out(`Done: ${result.written.length} written.`);
      return 0;
    }
    err("");
    err(`Sentry now holds part of the plan. Written (${result.written.length}):`);
    for (const item of result.written)
      err(`  ${item.action === "create" ? "created" : "updated"} ${item.kind} "${item.name}"`);
    err(`Not written (${result.failed.length + result.notTried.length}):`);
    for (const { item, message } of result.failed) err(`  ${item.kind} "${item.name}": ${message}`);
    for (const item of result.notTried)
      err(`  ${item.kind} "${item.name}": not tried after the failure above`);
    err("Fix the cause and run apply again: it picks up from what Sentry holds.");
    return 1;
  } catch (error) {
    if (error instanceof SentryApiError || error instanceof UserFacingError || error.name === "RenderError") {
      err(explain(error, settings ?? {}, undefined));
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
