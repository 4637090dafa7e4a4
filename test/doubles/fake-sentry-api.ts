/**
 * A local stand-in for the part of Sentry's REST API that `npm run observability` speaks: custom dashboards
 * and metric monitors (detectors), plus the organization and project look-ups before them. It is written
 * from Sentry's public API description, not from our renderer:
 *
 * - getsentry/sentry-api-schema `openapi-derefed.json` (2026-08; the source of docs.sentry.io/api): paths,
 *   required fields, enums, the scopes each endpoint accepts ("one of"), the layout grid (6 columns).
 *   It no longer lists `/organizations/{org}/alert-rules/`: monitors are `/detectors/` ("New Monitors and
 *   Alerts"), and the Terraform provider (jianyuan/terraform-provider-sentry) marks `sentry_metric_alert`
 *   deprecated in favour of `sentry_metric_monitor`, which posts these same bodies.
 * - getsentry/sentry `src/sentry/api/serializers/rest_framework/dashboard.py`: what a widget must have on
 *   create (title, displayType, queries; each query `fields` and `conditions`), "Number of widgets must be
 *   less than {MAX_WIDGETS}", replace semantics of PUT (widgets with an id are updated, without one created,
 *   missing ones removed, an id from elsewhere refused), the `equation|` prefix for arithmetic.
 * - The monitor docs' examples for `dataSources` (`dataset: events_analytics_platform`, `eventTypes:
 *   ["trace_item_span"]`, `queryType: 1`, `timeWindow` in seconds), `conditionGroup` (`logicType`,
 *   conditions `gt`/`lte`/... with `conditionResult` 75/50/0) and `config` (`detectionType` static,
 *   percent with `comparisonDelta` from a fixed list, dynamic).
 * - Sentry's frontend for trace-metric aggregates: `fn(value,<metric>,<type>,<unit or ->)`.
 * - Error bodies as Django REST framework writes them: `{"detail": "..."}` for 401/403/404, field errors
 *   as `{"field": ["message"]}` (nested for lists) for 400.
 *
 * What Sentry itself would refuse only after running a query (unknown attributes, empty results) is out of
 * scope; syntax, required fields, enums, limits, scopes and existence are checked. State lives in memory.
 */

/** An organization the fake knows, with its projects. */
export interface FakeOrganization {
  slug: string;
  id: string;
  projects: readonly { slug: string; id: string }[];
}

/** A canned answer for the next request(s) that match, like the fake GitHub's faults. */
export interface FakeFault {
  method: string;
  /** A substring of the path, or a predicate on the parsed JSON body (e.g. a monitor's name). */
  path?: string;
  body?: (body: unknown) => boolean;
  status: number;
  answer: unknown;
  /** How many matching requests to answer this way (default 1). */
  times?: number;
}

export interface FakeSentryOptions {
  organizations: readonly FakeOrganization[];
  /** Bearer tokens and the scopes each one carries. */
  tokens: Readonly<Record<string, readonly string[]>>;
  /** Items per page of a list (Sentry paginates with a `Link` header; default 100). */
  pageSize?: number;
}

/** One request the fake answered. */
export interface FakeRequestLog {
  method: string;
  path: string;
  status: number;
}

type Json = Record<string, unknown>;

/** `Dashboard.MAX_WIDGETS`; the frontend's copy (views/dashboards/types.tsx) is 30. */
export const MAX_WIDGETS = 30;

const DISPLAY_TYPES = [
  "line",
  "area",
  "bar",
  "table",
  "big_number",
  "details",
  "categorical_bar",
  "wheel",
  "rage_and_dead_clicks",
  "server_tree",
  "text",
  "agents_traces_table",
  "heatmap",
];
const WIDGET_TYPES = [
  "discover",
  "issue",
  "metrics",
  "error-events",
  "transaction-like",
  "spans",
  "logs",
  "tracemetrics",
  "preprod-app-size",
];
const DATASETS = [
  "events",
  "transactions",
  "discover",
  "outcomes",
  "outcomes_raw",
  "sessions",
  "metrics",
  "generic_metrics",
  "replays",
  "profiles",
  "search_issues",
  "functions",
  "spans",
  "events_analytics_platform",
];
const EAP_EVENT_TYPES = ["trace_item_span", "trace_item_log", "trace_item_metric"];
/** Sentry's allowed subscription windows, in seconds (1 minute to 1 day). */
const TIME_WINDOWS = [60, 300, 600, 900, 1800, 3600, 7200, 14400, 86400];
const COMPARISON_DELTAS = [300, 900, 3600, 86400, 604800, 2592000];
const CONDITION_TYPES = ["eq", "gte", "gt", "lte", "lt", "ne", "anomaly_detection"];
const CONDITION_RESULTS = [0, 50, 75];

/** Scopes each endpoint accepts, one of which the token must carry (the schema's `security`). */
const SCOPES = {
  organization: ["org:read", "org:write", "org:admin"],
  project: ["project:read", "project:write", "project:admin"],
  dashboards: ["org:read", "org:write", "org:admin"],
  listDetectors: ["alerts:read", "org:read", "org:write", "org:admin"],
  createDetector: ["alerts:write", "project:write", "project:admin"],
  updateDetector: ["alerts:write", "org:admin", "org:read", "org:write"],
} as const;

/** Span aggregates the monitor docs name for `trace_item_span`, and the dashboards' Explore functions. */
const SPAN_FUNCTIONS = new Set([
  "count",
  "count_unique",
  "count_if",
  "sum",
  "avg",
  "min",
  "max",
  "p50",
  "p75",
  "p90",
  "p95",
  "p99",
  "p100",
  "failure_rate",
  "epm",
]);
const METRIC_FUNCTIONS = new Set(["count", "sum", "avg", "min", "max", "p50", "p75", "p90", "p95", "p99"]);
const LOG_FUNCTIONS = new Set(["count", "count_unique", "sum", "avg", "min", "max", "p50", "p95"]);
const COUNT_IF_OPERATORS = new Set([
  "equals",
  "notEquals",
  "less",
  "lessOrEquals",
  "greater",
  "greaterOrEquals",
]);
/** Built-in numeric span fields; any other number is a typed attribute `tags[name,number]`. */
const NUMERIC_SPAN_FIELDS = new Set(["span.duration", "span.self_time"]);

const NOT_FOUND = { detail: "The requested resource does not exist" };
const FORBIDDEN = { detail: "You do not have permission to perform this action." };

export interface FakeSentryApi {
  fetch(request: Request): Promise<Response>;
  /** Stored dashboards and monitors, as the API would return them. */
  dashboards(org: string): Json[];
  detectors(org: string): Json[];
  /** Adds an object that someone else made (not named by us), so a test can see it is left alone. */
  seedDashboard(org: string, body: Json): Json;
  seedDetector(org: string, project: string, body: Json): Json;
  fault(fault: FakeFault): void;
  requests: FakeRequestLog[];
}

export function createFakeSentryApi(options: FakeSentryOptions): FakeSentryApi {
  const pageSize = options.pageSize ?? 100;
  const dashboards = new Map<string, Json[]>();
  const detectors = new Map<string, Json[]>();
  const faults: FakeFault[] = [];
  const requests: FakeRequestLog[] = [];
  let nextId = 1000;
  const newId = () => String(nextId++);

  for (const org of options.organizations) {
    // Every organization lists Sentry's prebuilt "General" dashboard, which is not editable by id.
    dashboards.set(org.slug, [{ id: "default-overview", title: "General", widgets: [], projects: [] }]);
    detectors.set(org.slug, []);
  }

  function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
    return new Response(status === 204 ? null : JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
  }

  function scopesOf(request: Request): readonly string[] | Response {
    const header = request.headers.get("authorization");
    if (!header) return json({ detail: "Authentication credentials were not provided." }, 401);
    const match = /^Bearer (\S+)$/.exec(header);
    const scopes = match?.[1] ? options.tokens[match[1]] : undefined;
    if (!scopes) return json({ detail: "Invalid token" }, 401);
    return scopes;
  }

  function page(items: Json[], url: URL): Response {
    const cursor = Number(url.searchParams.get("cursor")?.split(":")[1] ?? 0);
    const perPage = Math.min(Number(url.searchParams.get("per_page") ?? pageSize) || pageSize, pageSize);
    const slice = items.slice(cursor * perPage, (cursor + 1) * perPage);
    const more = (cursor + 1) * perPage < items.length;
    const next = new URL(url);
    next.searchParams.set("cursor", `0:${cursor + 1}:0`);
    const previous = new URL(url);
    previous.searchParams.set("cursor", `0:${Math.max(cursor - 1, 0)}:1`);
    const link =
      `<${previous}>; rel="previous"; results="${cursor > 0}"; cursor="0:${Math.max(cursor - 1, 0)}:1", ` +
      `<${next}>; rel="next"; results="${more}"; cursor="0:${cursor + 1}:0"`;
    return json(slice, 200, { link });
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const scopes = scopesOf(request);
    if (scopes instanceof Response) return scopes;
    const allowed = (needed: readonly string[]) => needed.some((scope) => scopes.includes(scope));
    const body = request.method === "POST" || request.method === "PUT" ? await readJson(request) : undefined;
    if (body instanceof Response) return body;

    for (const fault of faults) {
      if (fault.method !== request.method) continue;
      if (fault.path && !url.pathname.includes(fault.path)) continue;
      if (fault.body && !fault.body(body)) continue;
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      return json(fault.answer, fault.status);
    }

    const parts = url.pathname
      .replace(/^\/api\/0\//, "")
      .replace(/\/$/, "")
      .split("/");
    if (!url.pathname.startsWith("/api/0/")) return json(NOT_FOUND, 404);

    if (parts[0] === "projects" && parts.length === 3 && request.method === "GET") {
      if (!allowed(SCOPES.project)) return json(FORBIDDEN, 403);
      const org = options.organizations.find((o) => o.slug === parts[1]);
      const project = org?.projects.find((p) => p.slug === parts[2] || p.id === parts[2]);
      if (!org || !project) return json(NOT_FOUND, 404);
      return json({
        id: project.id,
        slug: project.slug,
        name: project.slug,
        organization: { slug: org.slug },
      });
    }
    if (parts[0] !== "organizations" || !parts[1]) return json(NOT_FOUND, 404);
    const org = options.organizations.find((o) => o.slug === parts[1] || o.id === parts[1]);
    const rest = parts.slice(2);

    if (rest.length === 0 && request.method === "GET") {
      if (!allowed(SCOPES.organization)) return json(FORBIDDEN, 403);
      if (!org) return json(NOT_FOUND, 404);
      return json({ id: org.id, slug: org.slug, name: org.slug });
    }
    if (!org) return json(NOT_FOUND, 404);

    if (rest[0] === "dashboards") {
      if (!allowed(SCOPES.dashboards)) return json(FORBIDDEN, 403);
      const list = dashboards.get(org.slug) ?? [];
      if (rest.length === 1 && request.method === "GET") {
        return page(
          list.map((d) => ({
            id: d.id,
            title: d.title,
            widgetDisplay: widgetsOf(d).map((w) => w.displayType),
          })),
          url,
        );
      }
      if (rest.length === 1 && request.method === "POST") {
        const errors = validateDashboard(body, org, undefined);
        if (errors) return json(errors, 400);
        const dashboard = body as Json;
        if (list.some((d) => d.title === dashboard.title)) {
          return json({ detail: "Dashboard with that title already exists." }, 409);
        }
        const stored = storeDashboard(newId(), dashboard, undefined);
        list.push(stored);
        return json(stored, 201);
      }
      const existing = list.find((d) => d.id === rest[1]);
      if (rest.length === 2 && request.method === "GET")
        return existing ? json(existing) : json(NOT_FOUND, 404);
      if (rest.length === 2 && request.method === "PUT") {
        if (!existing || existing.id === "default-overview") return json(NOT_FOUND, 404);
        const errors = validateDashboard(body, org, existing);
        if (errors) return json(errors, 400);
        const dashboard = body as Json;
        if (list.some((d) => d !== existing && d.title === dashboard.title)) {
          return json({ detail: "Dashboard with that title already exists." }, 409);
        }
        const stored = storeDashboard(String(existing.id), dashboard, existing);
        list[list.indexOf(existing)] = stored;
        return json(stored);
      }
      return json({ detail: `Method "${request.method}" not allowed.` }, 405);
    }

    if (rest[0] === "detectors") {
      const list = detectors.get(org.slug) ?? [];
      if (rest.length === 1 && request.method === "GET") {
        if (!allowed(SCOPES.listDetectors)) return json(FORBIDDEN, 403);
        const project = url.searchParams.get("project");
        return page(
          list.filter((d) => !project || d.projectId === project),
          url,
        );
      }
      const existing = list.find((d) => d.id === rest[1]);
      if (rest.length === 2 && request.method === "GET") {
        if (!allowed(SCOPES.listDetectors)) return json(FORBIDDEN, 403);
        return existing ? json(existing) : json(NOT_FOUND, 404);
      }
      if (rest.length === 2 && request.method === "PUT") {
        if (!allowed(SCOPES.updateDetector)) return json(FORBIDDEN, 403);
        if (!existing) return json(NOT_FOUND, 404);
        const errors = validateDetector(body);
        if (errors) return json(errors, 400);
        const stored = storeDetector(String(existing.id), String(existing.projectId), body as Json, existing);
        list[list.indexOf(existing)] = stored;
        return json(stored);
      }
      return json({ detail: `Method "${request.method}" not allowed.` }, 405);
    }

    if (rest[0] === "projects" && rest[2] === "detectors" && rest.length === 3 && request.method === "POST") {
      if (!allowed(SCOPES.createDetector)) return json(FORBIDDEN, 403);
      const project = org.projects.find((p) => p.slug === rest[1] || p.id === rest[1]);
      if (!project) return json(NOT_FOUND, 404);
      const errors = validateDetector(body);
      if (errors) return json(errors, 400);
      const stored = storeDetector(newId(), project.id, body as Json, undefined);
      detectors.get(org.slug)?.push(stored);
      return json(stored, 201);
    }
    return json(NOT_FOUND, 404);
  }

  function storeDashboard(id: string, body: Json, existing: Json | undefined): Json {
    const old = existing ? widgetsOf(existing) : [];
    const widgets = (Array.isArray(body.widgets) ? body.widgets : []).map((widget: Json) => {
      const previous = old.find((w) => w.id === widget.id);
      const queries = (widget.queries as Json[]).map((query: Json) => ({
        id: query.id ?? newId(),
        name: query.name ?? "",
        fields: query.fields ?? [],
        aggregates: query.aggregates ?? [],
        columns: query.columns ?? [],
        fieldAliases: query.fieldAliases ?? [],
        conditions: query.conditions ?? "",
        orderby: query.orderby ?? "",
        isHidden: query.isHidden ?? false,
      }));
      return {
        id: previous?.id ?? newId(),
        title: widget.title ?? previous?.title ?? "",
        description: widget.description ?? null,
        displayType: widget.displayType ?? previous?.displayType,
        interval: widget.interval ?? "5m",
        widgetType: widget.widgetType ?? null,
        limit: widget.limit ?? null,
        layout: widget.layout ?? null,
        thresholds: widget.thresholds ?? null,
        queries,
        dateCreated: previous?.dateCreated ?? new Date().toISOString(),
      };
    });
    return {
      id,
      title: body.title,
      dateCreated: existing?.dateCreated ?? new Date().toISOString(),
      widgets,
      projects: body.projects ?? existing?.projects ?? [],
      environment: body.environment ?? [],
      filters: body.filters ?? {},
    };
  }

  function storeDetector(id: string, projectId: string, body: Json, existing: Json | undefined): Json {
    const source = (body.dataSources as Json[])[0] as Json;
    const group = body.conditionGroup as Json;
    return {
      id,
      projectId,
      name: body.name,
      description: body.description ?? null,
      type: body.type,
      workflowIds: (body.workflowIds as unknown[] | undefined)?.map(String) ?? existing?.workflowIds ?? [],
      owner: null,
      createdBy: "1",
      dateCreated: existing?.dateCreated ?? new Date().toISOString(),
      dateUpdated: new Date().toISOString(),
      dataSources: [
        {
          id: newId(),
          organizationId: "1",
          type: "snuba_query_subscription",
          sourceId: newId(),
          queryObj: {
            id: newId(),
            status: 1,
            subscription: null,
            snubaQuery: {
              id: newId(),
              dataset: source.dataset,
              query: source.query ?? "",
              aggregate: source.aggregate,
              timeWindow: source.timeWindow,
              environment: source.environment ?? null,
              eventTypes: source.eventTypes ?? [],
              extrapolationMode: source.extrapolationMode ?? "unknown",
            },
          },
        },
      ],
      conditionGroup: {
        id: newId(),
        organizationId: "1",
        logicType: group.logicType,
        conditions: (group.conditions as Json[]).map((c) => ({ id: newId(), ...c })),
        actions: [],
      },
      config: body.config ?? { detectionType: "static" },
      enabled: body.enabled ?? true,
      latestGroup: null,
    };
  }

  return {
    async fetch(request) {
      const response = await route(request);
      requests.push({ method: request.method, path: new URL(request.url).pathname, status: response.status });
      return response;
    },
    dashboards: (org) => dashboards.get(org) ?? [],
    detectors: (org) => detectors.get(org) ?? [],
    seedDashboard(org, body) {
      const stored = storeDashboard(newId(), body, undefined);
      dashboards.get(org)?.push(stored);
      return stored;
    },
    seedDetector(org, project, body) {
      const projectId = options.organizations
        .find((o) => o.slug === org)
        ?.projects.find((p) => p.slug === project)?.id;
      const stored = storeDetector(newId(), projectId ?? "0", body, undefined);
      detectors.get(org)?.push(stored);
      return stored;
    },
    fault: (fault) => faults.push(fault),
    requests,
  };
}

async function readJson(request: Request): Promise<unknown> {
  if (!(request.headers.get("content-type") ?? "").includes("application/json")) {
    return new Response(
      JSON.stringify({
        detail: `Unsupported media type "${request.headers.get("content-type")}" in request.`,
      }),
      {
        status: 415,
        headers: { "content-type": "application/json" },
      },
    );
  }
  try {
    return await request.json();
  } catch (error) {
    return new Response(JSON.stringify({ detail: `JSON parse error - ${String(error)}` }), {
      status: 400,
      headers: { "content-type": "application/json" },
    });
  }
}

function widgetsOf(dashboard: Json): Json[] {
  return Array.isArray(dashboard.widgets) ? (dashboard.widgets as Json[]) : [];
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** DRF-style errors for a dashboard body, or undefined when it is valid. */
function validateDashboard(
  body: unknown,
  org: FakeOrganization,
  existing: Json | undefined,
): Json | undefined {
  if (!isObject(body)) return { nonFieldErrors: ["Invalid data. Expected a dictionary, but got list."] };
  if (typeof body.title !== "string" || body.title === "") return { title: ["This field is required."] };
  if (body.title.length > 255) return { title: ["Ensure this field has no more than 255 characters."] };
  if (body.projects !== undefined) {
    if (!Array.isArray(body.projects) || !body.projects.every((p) => Number.isInteger(p))) {
      return { projects: ['Expected a list of items but got type "str".'] };
    }
    const known = new Set(org.projects.map((p) => Number(p.id)));
    const unknown = body.projects.filter((p) => p !== -1 && !known.has(p as number));
    if (unknown.length) return { projects: [`Invalid project ids: ${unknown.join(", ")}`] };
  }
  const widgets = body.widgets ?? [];
  if (!Array.isArray(widgets)) return { widgets: ['Expected a list of items but got type "dict".'] };
  if (widgets.length > MAX_WIDGETS)
    return { widgets: [`Number of widgets must be less than ${MAX_WIDGETS}`] };
  const ownIds = new Set(existing ? widgetsOf(existing).map((w) => w.id) : []);
  const errors = widgets.map((widget) => validateWidget(widget));
  if (errors.some((e) => Object.keys(e).length > 0)) return { widgets: errors };
  for (const widget of widgets as Json[]) {
    if (widget.id !== undefined && !ownIds.has(widget.id)) {
      return { nonFieldErrors: ["You cannot update widgets that are not part of this dashboard."] };
    }
  }
  return undefined;
}

function validateWidget(widget: unknown): Json {
  if (!isObject(widget)) return { nonFieldErrors: ["Invalid data."] };
  const creating = widget.id === undefined;
  if (typeof widget.title === "string" && widget.title.length > 255) {
    return { title: ["Ensure this field has no more than 255 characters."] };
  }
  if (typeof widget.description === "string" && widget.description.length > 255) {
    return { description: ["Ensure this field has no more than 255 characters."] };
  }
  if (widget.displayType !== undefined && !DISPLAY_TYPES.includes(String(widget.displayType))) {
    return { displayType: [`"${String(widget.displayType)}" is not a valid choice.`] };
  }
  if (
    widget.widgetType !== undefined &&
    widget.widgetType !== null &&
    !WIDGET_TYPES.includes(String(widget.widgetType))
  ) {
    return { widgetType: [`"${String(widget.widgetType)}" is not a valid choice.`] };
  }
  if (widget.limit !== undefined && widget.limit !== null) {
    if (!Number.isInteger(widget.limit) || (widget.limit as number) < 1 || (widget.limit as number) > 10) {
      return { limit: ["Ensure this value is between 1 and 10."] };
    }
  }
  if (widget.layout !== undefined && widget.layout !== null) {
    const layoutError = validateLayout(widget.layout);
    if (layoutError) return { layout: [layoutError] };
  }
  if (widget.interval !== undefined && !/^\d+[smhdw]$/.test(String(widget.interval))) {
    return { interval: ["Invalid interval"] };
  }
  const queries = widget.queries;
  if (creating) {
    if (!Array.isArray(queries) || queries.length === 0) {
      return { queries: "One or more queries are required to create a widget" };
    }
    if (!widget.title) return { title: "Title is required during creation." };
    if (widget.displayType === undefined) return { displayType: "displayType is required during creation." };
  }
  if (!Array.isArray(queries)) return {};
  const queryErrors = queries.map((query) =>
    validateWidgetQuery(query, String(widget.widgetType ?? "discover"), widget),
  );
  return queryErrors.some((e) => Object.keys(e).length > 0) ? { queries: queryErrors } : {};
}

function validateLayout(layout: unknown): string | undefined {
  if (!isObject(layout)) return "Expected an object.";
  const missing = ["x", "y", "w", "h", "minH"].filter((key) => layout[key] === undefined);
  if (missing.length) return `Missing required keys: ${missing.join(", ")}`;
  for (const key of ["x", "y", "w", "h", "minH"]) {
    if (!Number.isInteger(layout[key])) return `Expected number for: ${key}`;
  }
  const { x, y, w, h, minH } = layout as Record<string, number>;
  if ((x as number) < 0 || (x as number) > 5 || (y as number) < 0 || (w as number) < 1 || (w as number) > 6) {
    return "x must be 0-5, y >= 0, w 1-6";
  }
  if ((h as number) < 1 || (minH as number) < 1) return "h and minH must be at least 1";
  if ((x as number) + (w as number) > 6) return "x + w must be at most 6 (the grid has 6 columns)";
  return undefined;
}

function validateWidgetQuery(query: unknown, widgetType: string, widget: Json): Json {
  if (!isObject(query)) return { nonFieldErrors: ["Invalid data."] };
  if (query.id === undefined && (query.fields === undefined || query.conditions === undefined)) {
    return {
      fields: "fields are required during creation.",
      conditions: "conditions are required during creation.",
    };
  }
  for (const key of ["fields", "aggregates", "columns"]) {
    if (query[key] !== undefined && query[key] !== null && !isStringList(query[key])) {
      return { [key]: ["Expected a list of strings."] };
    }
  }
  const aggregates = (query.aggregates as string[] | undefined) ?? [];
  const columns = (query.columns as string[] | undefined) ?? [];
  const fields = (query.fields as string[] | undefined) ?? [];
  for (const field of fields) {
    if (!aggregates.includes(field) && !columns.includes(field)) {
      return { fields: `Invalid fields: ${field} is neither one of the aggregates nor one of the columns` };
    }
  }
  if (widget.displayType !== "table" && widget.displayType !== "big_number" && aggregates.length === 0) {
    return { aggregates: "Invalid fields: a chart needs at least one aggregate" };
  }
  for (const aggregate of aggregates) {
    const problem = aggregateProblem(aggregate, widgetType, true);
    if (problem) return { fields: `Invalid fields: ${problem}` };
  }
  for (const column of columns) {
    if (/[()]/.test(column) || !isAttributeName(column))
      return { fields: `Invalid fields: ${column} is not a column` };
  }
  const conditionProblem = searchProblem(String(query.conditions ?? ""));
  if (conditionProblem) return { conditions: [`Invalid conditions: ${conditionProblem}`] };
  const orderby = String(query.orderby ?? "");
  if (orderby) {
    const key = orderby.replace(/^-/, "");
    if (!aggregates.includes(key) && !columns.includes(key) && !/^equation\[\d+\]$/.test(key)) {
      return { orderby: `Invalid orderby: ${key} is not one of the query's aggregates or columns` };
    }
  }
  return {};
}

/** Attribute names as Sentry's search grammar reads them: dotted keys, or typed `tags[name,type]`. */
function isAttributeName(name: string): boolean {
  return /^[A-Za-z_][\w.\-:]*$/.test(name) || /^tags\[[\w.\-:]+,(string|number|boolean)\]$/.test(name);
}

/** Why `aggregate` is not valid for the dataset (`spans`, `tracemetrics`, `logs`), or undefined. */
export function aggregateProblem(
  aggregate: string,
  dataset: string,
  allowEquations: boolean,
): string | undefined {
  if (aggregate.startsWith("equation|")) {
    if (!allowEquations) return `${aggregate}: equations are not supported here`;
    return equationProblem(aggregate.slice("equation|".length), dataset);
  }
  const match = /^(\w+)\((.*)\)$/.exec(aggregate);
  if (!match) return `${aggregate} is not a function`;
  const fn = match[1] as string;
  const args = splitArguments(match[2] as string);
  if (dataset === "tracemetrics") {
    if (!METRIC_FUNCTIONS.has(fn)) return `${fn} is not a function for trace metrics`;
    const [value, name, type, unit] = args;
    if (args.length !== 4 || value !== "value" || !name || !unit) {
      return `${aggregate}: trace metric aggregates are fn(value,<metric name>,<type>,<unit or ->)`;
    }
    if (!["counter", "distribution", "gauge"].includes(type ?? ""))
      return `${aggregate}: unknown metric type ${type}`;
    if (type === "counter" && fn !== "sum" && fn !== "count")
      return `${aggregate}: a counter is summed or counted`;
    return undefined;
  }
  const functions = dataset === "logs" ? LOG_FUNCTIONS : SPAN_FUNCTIONS;
  if (!functions.has(fn)) return `${fn} is not a function for ${dataset}`;
  if (fn === "count" || fn === "failure_rate" || fn === "epm") {
    if (args.length > 1 || (args[0] !== undefined && !NUMERIC_SPAN_FIELDS.has(args[0]))) {
      return `${aggregate}: ${fn} takes no attribute`;
    }
    return undefined;
  }
  if (fn === "count_if") {
    const [key, operator, ...value] = args;
    if (!key || !isAttributeName(key) || !operator || value.length === 0) {
      return `${aggregate}: count_if takes (attribute,operator,value)`;
    }
    if (!COUNT_IF_OPERATORS.has(operator)) return `${aggregate}: unknown operator ${operator}`;
    return undefined;
  }
  if (fn === "count_unique")
    return args.length === 1 && isAttributeName(args[0] ?? "") ? undefined : `${aggregate}: bad attribute`;
  if (args.length !== 1) return `${aggregate}: ${fn} takes one attribute`;
  const field = args[0] as string;
  if (dataset === "logs") return isAttributeName(field) ? undefined : `${aggregate}: bad attribute`;
  // A plain custom name resolves as a string attribute; numeric functions need a number.
  if (!NUMERIC_SPAN_FIELDS.has(field) && !/^tags\[[\w.\-:]+,number\]$/.test(field)) {
    return `${aggregate}: ${field} is not a number (a custom number attribute is written tags[${field},number])`;
  }
  return undefined;
}

/** A function's arguments: commas split them, except inside `tags[name,type]` or quotes. */
function splitArguments(text: string): string[] {
  if (text.trim() === "") return [];
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (!quoted && (char === "[" || char === "(")) depth++;
    if (!quoted && (char === "]" || char === ")")) depth--;
    if (char === "," && depth === 0 && !quoted) {
      args.push(current.trim());
      current = "";
    } else current += char;
  }
  args.push(current.trim());
  return args;
}

/** Arithmetic over aggregates and numbers: `+ - * /` and parentheses (sentry.discover.arithmetic). */
function equationProblem(expression: string, dataset: string): string | undefined {
  const tokens: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of expression) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (depth === 0 && /[+\-*/]/.test(char) && current.trim() !== "") {
      tokens.push(current.trim(), char);
      current = "";
    } else current += char;
  }
  if (current.trim() !== "") tokens.push(current.trim());
  if (tokens.length < 3 || tokens.length % 2 === 0)
    return `equation|${expression}: not an arithmetic expression`;
  let aggregates = 0;
  for (let i = 0; i < tokens.length; i += 2) {
    const operand = (tokens[i] as string).replace(/^\((.*)\)$/, "$1");
    if (/^-?\d+(\.\d+)?$/.test(operand)) continue;
    const problem = aggregateProblem(operand, dataset, false);
    if (problem) return `equation|${expression}: ${problem}`;
    aggregates++;
  }
  return aggregates === 0 ? `equation|${expression}: an equation needs at least one aggregate` : undefined;
}

/**
 * Sentry's search syntax, the parts we need to judge: space-separated `key:value`, `!key:value`,
 * `key:[a,b]`, `key:"quoted value"`, `has:key`, comparisons `key:>5`. Free text is refused here
 * (Sentry would read it as a message search, which these datasets do not have).
 */
export function searchProblem(query: string): string | undefined {
  const tokenPattern = /\s*(!?)([^\s:!"]+):("(?:[^"\\]|\\.)*"|\[[^\]]*\]|[<>]=?[^\s"]+|[^\s"[]+)/y;
  let at = 0;
  while (at < query.length) {
    if (/^\s+$/.test(query.slice(at))) break;
    tokenPattern.lastIndex = at;
    const match = tokenPattern.exec(query);
    if (!match) return `Parse error at '${query.slice(at, at + 20)}' (column ${at + 1})`;
    const key = match[2] as string;
    if (!isAttributeName(key)) return `${key} is not a valid search key`;
    const value = match[3] as string;
    if (
      value.startsWith("[") &&
      value
        .slice(1, -1)
        .split(",")
        .some((item) => item.trim() === "")
    ) {
      return `Invalid list in ${key}: ${value}`;
    }
    at = tokenPattern.lastIndex;
  }
  return undefined;
}

/** DRF-style errors for a monitor body, or undefined when it is valid. */
function validateDetector(body: unknown): Json | undefined {
  if (!isObject(body)) return { nonFieldErrors: ["Invalid data."] };
  if (typeof body.name !== "string" || body.name === "") return { name: ["This field is required."] };
  if (body.name.length > 200) return { name: ["Ensure this field has no more than 200 characters."] };
  if (body.type !== "metric_issue") return { type: [`Unknown detector type '${String(body.type)}'`] };
  if (body.description !== undefined && body.description !== null && typeof body.description !== "string") {
    return { description: ["Not a valid string."] };
  }
  if (!Array.isArray(body.dataSources) || body.dataSources.length !== 1) {
    return { dataSources: ["Metric monitors take exactly one data source."] };
  }
  const source = body.dataSources[0];
  if (!isObject(source)) return { dataSources: [{ nonFieldErrors: ["Invalid data."] }] };
  const sourceError = validateSnubaQuery(source);
  if (sourceError) return { dataSources: [sourceError] };
  const group = body.conditionGroup;
  if (!isObject(group)) return { conditionGroup: ["This field is required."] };
  if (!["any", "any-short", "all", "none"].includes(String(group.logicType))) {
    return { conditionGroup: { logicType: [`"${String(group.logicType)}" is not a valid choice.`] } };
  }
  if (!Array.isArray(group.conditions) || group.conditions.length === 0) {
    return { conditionGroup: { conditions: ["A metric monitor needs at least one condition."] } };
  }
  const config = isObject(body.config) ? body.config : { detectionType: "static" };
  if (!["static", "percent", "dynamic"].includes(String(config.detectionType))) {
    return { config: { detectionType: [`"${String(config.detectionType)}" is not a valid choice.`] } };
  }
  if (config.detectionType === "percent" && !COMPARISON_DELTAS.includes(Number(config.comparisonDelta))) {
    return { config: { comparisonDelta: [`Must be one of ${COMPARISON_DELTAS.join(", ")}`] } };
  }
  if (
    config.detectionType !== "percent" &&
    config.comparisonDelta !== undefined &&
    config.comparisonDelta !== null
  ) {
    return { config: { comparisonDelta: ["Only a percent (change) monitor has a comparison delta."] } };
  }
  for (const condition of group.conditions as unknown[]) {
    if (!isObject(condition)) return { conditionGroup: { conditions: ["Invalid data."] } };
    if (!CONDITION_TYPES.includes(String(condition.type))) {
      return {
        conditionGroup: { conditions: [`"${String(condition.type)}" is not a valid condition type.`] },
      };
    }
    if (!CONDITION_RESULTS.includes(Number(condition.conditionResult))) {
      return {
        conditionGroup: { conditions: ["conditionResult must be 75 (high), 50 (low) or 0 (resolved)."] },
      };
    }
    const dynamic = condition.type === "anomaly_detection";
    if (dynamic !== (config.detectionType === "dynamic")) {
      return {
        conditionGroup: { conditions: ["anomaly_detection conditions go with a dynamic monitor only."] },
      };
    }
    if (!dynamic && (typeof condition.comparison !== "number" || !Number.isFinite(condition.comparison))) {
      return { conditionGroup: { conditions: ["comparison must be a number."] } };
    }
  }
  if (!(group.conditions as Json[]).some((c) => c.conditionResult !== 0)) {
    return {
      conditionGroup: { conditions: ["A monitor needs a condition that opens an issue (75 or 50)."] },
    };
  }
  return undefined;
}

function validateSnubaQuery(source: Json): Json | undefined {
  for (const key of ["aggregate", "dataset", "timeWindow"]) {
    if (source[key] === undefined || source[key] === null) return { [key]: ["This field is required."] };
  }
  if (!DATASETS.includes(String(source.dataset)))
    return { dataset: [`"${String(source.dataset)}" is not a valid choice.`] };
  if (!TIME_WINDOWS.includes(Number(source.timeWindow))) {
    return { timeWindow: [`Invalid time window, allowed values (seconds): ${TIME_WINDOWS.join(", ")}`] };
  }
  if (source.dataset !== "events_analytics_platform") return undefined;
  const eventTypes = source.eventTypes;
  if (
    !isStringList(eventTypes) ||
    eventTypes.length !== 1 ||
    !EAP_EVENT_TYPES.includes(eventTypes[0] as string)
  ) {
    return { eventTypes: [`events_analytics_platform takes one of ${EAP_EVENT_TYPES.join(", ")}`] };
  }
  if (source.queryType !== undefined && source.queryType !== 1) {
    return { queryType: ["events_analytics_platform queries are performance queries (queryType 1)."] };
  }
  const dataset = { trace_item_span: "spans", trace_item_log: "logs", trace_item_metric: "tracemetrics" }[
    eventTypes[0] as "trace_item_span"
  ];
  const problem = aggregateProblem(String(source.aggregate), dataset, false);
  if (problem) return { aggregate: [`Invalid Metric: ${problem}`] };
  const queryProblem = searchProblem(String(source.query ?? ""));
  if (queryProblem) return { query: [`Invalid Query: ${queryProblem}`] };
  return undefined;
}
