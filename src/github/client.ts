import * as z from "zod/v4";
import { UpstreamError, type UpstreamReason, UserInputError } from "../errors";
import { LOGIN, REPOSITORY } from "./names";

/** Options for {@link createGitHubClient}. */
export interface GitHubClientOptions {
  /** REST API base, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  apiBase: string;
  token: string;
  timeoutMs: number;
  /** Injected so the client runs the same in workerd and in Node. */
  fetch?: typeof fetch;
  /**
   * What to tell the user when GitHub refuses the token (401): how whoever holds it gets a working one.
   * Default: the OAuth hosts' advice, to reconnect and sign in again.
   */
  unauthorizedHint?: string;
}

const SIGN_IN_AGAIN = "The GitHub authorization is no longer valid; reconnect this server to sign in again.";

/** A repository as the tools present it. */
export interface Repository {
  fullName: string;
  owner: string;
  name: string;
  private: boolean;
  description: string | null;
  language: string | null;
  stars: number;
  defaultBranch: string;
  url: string;
  updatedAt: string;
}

/** An issue as the tools present it. */
export interface Issue {
  repository: string;
  number: number;
  title: string;
  state: string;
  author: string | null;
  labels: string[];
  comments: number;
  body: string | null;
  url: string;
  createdAt: string;
  updatedAt: string;
}

/** The authenticated GitHub user. */
export interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
}

/** One page of a paginated listing. */
export interface Page<T> {
  items: T[];
  page: number;
  hasNextPage: boolean;
}

/** The GitHub operations this server uses; everything else stays out so the surface is easy to fake. */
export interface GitHubClient {
  getAuthenticatedUser(): Promise<GitHubUser>;
  getPrimaryEmail(): Promise<string | null>;
  /**
   * Without `owner`, the signed-in user's repositories (private ones included): those they own with
   * `ownedOnly`, otherwise also those they collaborate on or see through an organisation. With `owner`,
   * an organisation's or another user's, as the signed-in user may see them.
   */
  listRepositories(input: {
    owner?: string | undefined;
    ownedOnly?: boolean;
    page: number;
    perPage: number;
  }): Promise<Page<Repository>>;
  searchIssues(input: {
    query: string;
    page: number;
    perPage: number;
  }): Promise<Page<Issue> & { total: number }>;
  getIssue(input: { owner: string; repo: string; number: number }): Promise<Issue>;
  createIssue(input: {
    owner: string;
    repo: string;
    title: string;
    body?: string | undefined;
    labels?: string[] | undefined;
  }): Promise<Issue>;
  getReadme(input: { owner: string; repo: string }): Promise<string>;
}

type Json = Record<string, unknown>;

/**
 * The REST routes this client calls, named as GitHub's API reference names them. Errors and telemetry
 * say the route, never the concrete path, which would name the user's repositories.
 */
export const GITHUB_ROUTES = [
  "/user",
  "/user/emails",
  "/user/repos",
  "/orgs/{org}/repos",
  "/users/{username}/repos",
  "/search/issues",
  "/repos/{owner}/{repo}/issues",
  "/repos/{owner}/{repo}/issues/{issue_number}",
  "/repos/{owner}/{repo}/readme",
] as const;

type Route = (typeof GITHUB_ROUTES)[number];
type Params = Record<string, string | number>;

/** What each route parameter must look like before it goes into a path segment. */
const PARAM_RULES: Record<string, { pattern: RegExp; what: string }> = {
  org: { pattern: LOGIN, what: "an organisation login" },
  username: { pattern: LOGIN, what: "a user login" },
  owner: { pattern: LOGIN, what: "a user or organisation login" },
  repo: { pattern: REPOSITORY, what: "a repository name (not '.' or '..')" },
  issue_number: { pattern: /^[1-9][0-9]{0,9}$/, what: "a positive issue number" },
};

/** The concrete path of a route: each parameter checked against GitHub's rules and encoded as one segment. */
function expand(route: Route, params: Params): string {
  return route.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = String(params[name] ?? "");
    const rule = PARAM_RULES[name];
    if (!rule?.pattern.test(value)) {
      throw new UserInputError(`${name} must be ${rule?.what ?? "given"}.`);
    }
    return encodeURIComponent(value);
  });
}

const ROUTE_PATTERNS = GITHUB_ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.replace(/\{[a-z_]+\}/g, "[^/]+")}/?$`),
}));

/**
 * Maps a URL of this client's API base to `{origin}{base path}{route template}`, so that a request span
 * reads `GET https://api.github.com/repos/{owner}/{repo}/issues/{issue_number}`: groupable, and naming
 * nothing of the user's. Undefined for any other URL. Telemetry is handed this by the host.
 */
export function githubRouteTemplater(apiBase: string): (url: string) => string | undefined {
  let base: URL;
  try {
    base = new URL(apiBase.replace(/\/+$/, ""));
  } catch {
    return () => undefined; // A malformed base fails the configuration; no request is ever made.
  }
  const prefix = base.pathname.replace(/\/+$/, "");
  return (value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return undefined;
    }
    if (url.origin !== base.origin || !url.pathname.startsWith(prefix)) return undefined;
    const rest = url.pathname.slice(prefix.length) || "/";
    const match = ROUTE_PATTERNS.find((entry) => entry.pattern.test(rest));
    return `${base.origin}${prefix}${match ? match.route : "/{path}"}`;
  };
}

/** Creates a GitHub REST client bound to one user's token. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const base = options.apiBase.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;

  async function request(
    method: string,
    route: Route,
    params: Params = {},
    init: { body?: unknown; accept?: string; query?: Record<string, string | number | undefined> } = {},
  ): Promise<Response> {
    const url = new URL(base + expand(route, params));
    for (const [key, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers = new Headers({
      Accept: init.accept ?? "application/vnd.github+json",
      Authorization: `Bearer ${options.token}`,
      "User-Agent": "observable-mcp",
      "X-GitHub-Api-Version": "2022-11-28",
    });
    if (init.body !== undefined) headers.set("Content-Type", "application/json");
    let response: Response;
    try {
      response = await doFetch(url.toString(), {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw networkError(error, method, route, options.timeoutMs);
    }
    if (!response.ok)
      throw await toUpstreamError(response, method, route, options.unauthorizedHint ?? SIGN_IN_AGAIN);
    return response;
  }

  /** The body as the schema says it must be; anything else is GitHub's failure, reported as such. */
  async function json<T>(response: Response, schema: z.ZodType<T>, method: string, route: Route): Promise<T> {
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw invalidResponse(method, route, response.status, "a body that is not JSON", error);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = (issue?.path ?? []).map(String).join(".") || "(root)";
      throw invalidResponse(method, route, response.status, `a body without a valid ${where}`, parsed.error);
    }
    return parsed.data;
  }

  return {
    async getAuthenticatedUser() {
      const user = await json(await request("GET", "/user"), USER, "GET", "/user");
      return { id: user.id, login: user.login, name: user.name ?? null, email: user.email ?? null };
    },

    async getPrimaryEmail() {
      const emails = await json(await request("GET", "/user/emails"), EMAILS, "GET", "/user/emails");
      return emails.find((entry) => entry.primary && entry.verified)?.email ?? null;
    },

    async listRepositories({ owner, ownedOnly, page, perPage }) {
      const query =
        owner === undefined
          ? { sort: "updated", page, per_page: perPage, ...(ownedOnly ? { affiliation: "owner" } : {}) }
          : { page, per_page: perPage };
      let route: Route = owner === undefined ? "/user/repos" : "/orgs/{org}/repos";
      let response: Response;
      try {
        response = await request("GET", route, owner === undefined ? {} : { org: owner }, { query });
      } catch (error) {
        // An owner that is a user rather than an organisation answers 404 on /orgs; GitHub lists
        // users' repositories elsewhere, so try that before telling the caller it does not exist.
        if (owner === undefined || !(error instanceof UpstreamError) || error.status !== 404) throw error;
        route = "/users/{username}/repos";
        response = await request("GET", route, { username: owner }, { query });
      }
      const items = (await json(response, z.array(REPO), "GET", route)).map(toRepository);
      return { items, page, hasNextPage: hasNext(response) };
    },

    async searchIssues({ query, page, perPage }) {
      const response = await request(
        "GET",
        "/search/issues",
        {},
        { query: { q: query, page, per_page: perPage } },
      );
      const body = await json(response, SEARCH, "GET", "/search/issues");
      const items = body.items.map(toIssue);
      return { items, page, hasNextPage: hasNext(response), total: body.total_count };
    },

    async getIssue({ owner, repo, number }) {
      const route = "/repos/{owner}/{repo}/issues/{issue_number}";
      const response = await request("GET", route, { owner, repo, issue_number: number });
      return toIssue(await json(response, ISSUE, "GET", route));
    },

    async createIssue({ owner, repo, title, body, labels }) {
      const route = "/repos/{owner}/{repo}/issues";
      const response = await request("POST", route, { owner, repo }, { body: { title, body, labels } });
      return toIssue(await json(response, ISSUE, "POST", route));
    },

    async getReadme({ owner, repo }) {
      const response = await request(
        "GET",
        "/repos/{owner}/{repo}/readme",
        { owner, repo },
        { accept: "application/vnd.github.raw+json" },
      );
      return response.text();
    },
  };
}

// GitHub's response shapes, as far as the tools read them: a missing field is GitHub's failure,
// not the text "undefined" in a reply.
const USER = z.object({
  id: z.number(),
  login: z.string(),
  name: z.string().nullish(),
  email: z.string().nullish(),
});
const EMAILS = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));
const REPO = z.object({
  full_name: z.string(),
  name: z.string(),
  owner: z.object({ login: z.string() }),
  private: z.boolean(),
  description: z.string().nullish(),
  language: z.string().nullish(),
  stargazers_count: z.number().default(0),
  default_branch: z.string().default("main"),
  html_url: z.string(),
  updated_at: z.string().nullish(),
});
const ISSUE = z.object({
  number: z.number(),
  title: z.string(),
  state: z.string(),
  user: z.object({ login: z.string() }).nullish(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string().nullish() })])).default([]),
  comments: z.number().default(0),
  body: z.string().nullish(),
  html_url: z.string(),
  repository_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
const SEARCH = z.object({ total_count: z.number(), items: z.array(ISSUE) });

function hasNext(response: Response): boolean {
  return /rel="next"/.test(response.headers.get("link") ?? "");
}

function toRepository(repo: z.infer<typeof REPO>): Repository {
  return {
    fullName: repo.full_name,
    owner: repo.owner.login,
    name: repo.name,
    private: repo.private,
    description: repo.description ?? null,
    language: repo.language ?? null,
    stars: repo.stargazers_count,
    defaultBranch: repo.default_branch,
    url: repo.html_url,
    updatedAt: repo.updated_at ?? "",
  };
}

function toIssue(issue: z.infer<typeof ISSUE>): Issue {
  return {
    repository: issue.repository_url.split("/repos/")[1] ?? "",
    number: issue.number,
    title: issue.title,
    state: issue.state,
    author: issue.user?.login ?? null,
    labels: issue.labels.map((label) => (typeof label === "string" ? label : (label.name ?? ""))),
    comments: issue.comments,
    body: issue.body ?? null,
    url: issue.html_url,
    createdAt: issue.created_at,
    updatedAt: issue.updated_at,
  };
}

/** GitHub answered 2xx with something this client cannot read: GitHub's failure, reported. */
function invalidResponse(method: string, route: Route, status: number, what: string, cause: unknown) {
  return new UpstreamError(`GitHub answered ${status} to ${method} ${route} with ${what}`, {
    status: 502,
    reason: "invalid_response",
    hint: "GitHub sent an answer this server could not read; try again in a minute.",
    cause,
  });
}

function networkError(error: unknown, method: string, route: Route, timeoutMs: number): UpstreamError {
  const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
  return timedOut
    ? new UpstreamError(`GitHub did not answer ${method} ${route} within ${timeoutMs} ms`, {
        status: 0,
        reason: "timeout",
        hint: "GitHub is slow to answer right now; try again in a minute.",
        cause: error,
      })
    : new UpstreamError(`Could not reach GitHub for ${method} ${route}`, {
        status: 0,
        reason: "network",
        hint: "GitHub could not be reached; try again in a minute.",
        cause: error,
      });
}

/** Turns a GitHub error response into a typed error that says what the user can do about it. */
async function toUpstreamError(
  response: Response,
  method: string,
  route: Route,
  unauthorizedHint: string,
): Promise<UpstreamError> {
  const status = response.status;
  const requestId = response.headers.get("x-github-request-id") ?? undefined;
  let githubMessage = "";
  try {
    const body = (await response.json()) as Json;
    githubMessage = typeof body.message === "string" ? body.message : "";
    if (Array.isArray(body.errors)) {
      const details = (body.errors as Json[])
        .map((entry) =>
          [entry.field, entry.code, entry.message].filter((part) => part !== undefined).join(" "),
        )
        .filter((text) => text.length > 0);
      if (details.length > 0) githubMessage += ` (${details.join("; ")})`;
    }
  } catch {
    // 5xx from GitHub's edge are often HTML; the status says enough.
  }
  const remaining = response.headers.get("x-ratelimit-remaining");
  const reset = Number(response.headers.get("x-ratelimit-reset"));
  const resetAt = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
  const retryAfter = Number(response.headers.get("retry-after"));

  let reason: UpstreamReason;
  let hint: string;
  if (status === 429 || (status === 403 && (remaining === "0" || /rate limit/i.test(githubMessage)))) {
    reason = "rate_limited";
    const until =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? new Date(Date.now() + retryAfter * 1000)
        : (resetAt ?? undefined);
    hint = until
      ? `GitHub's rate limit is used up until ${until.toISOString()}; wait until then before retrying.`
      : "GitHub's rate limit is used up; wait a few minutes before retrying.";
    return new UpstreamError(`GitHub rate limit exceeded for ${method} ${route}`, {
      status,
      reason,
      hint,
      requestId,
      resetAt: until,
    });
  }
  if (status === 401) {
    reason = "unauthorized";
    hint = unauthorizedHint;
  } else if (status === 403) {
    reason = "forbidden";
    const needed = response.headers.get("x-accepted-oauth-scopes");
    hint = needed
      ? `The GitHub token lacks a permission this needs (scope: ${needed}); reconnect and grant it, or ask an owner.`
      : "GitHub refused this for your account; check you have access to this repository or organisation.";
  } else if (status === 404) {
    reason = "not_found";
    hint = "GitHub found nothing there, or your account cannot see it; check the owner, name and number.";
  } else if (status === 422) {
    reason = "validation";
    hint = "GitHub rejected the input; fix the fields it names and try again.";
  } else if (status >= 500) {
    reason = "server_error";
    hint = "GitHub is having trouble; try again in a minute.";
  } else {
    reason = "validation";
    hint = "GitHub refused the request; check the input.";
  }
  const message = `GitHub answered ${status} to ${method} ${route}${githubMessage ? `: ${githubMessage}` : ""}`;
  return new UpstreamError(message, {
    status,
    reason,
    hint,
    requestId,
    resetAt,
    upstreamMessage: githubMessage.slice(0, 500) || undefined,
  });
}
