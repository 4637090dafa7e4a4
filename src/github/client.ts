import { UpstreamError, type UpstreamReason } from "../errors";

/** Options for {@link createGitHubClient}. */
export interface GitHubClientOptions {
  /** REST API base, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  apiBase: string;
  token: string;
  timeoutMs: number;
  /** Injected so the client runs the same in workerd and in Node. */
  fetch?: typeof fetch;
}

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
  listRepositories(input: {
    owner?: string | undefined;
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

/** Creates a GitHub REST client bound to one user's token. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const base = options.apiBase.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;

  async function request(
    method: string,
    path: string,
    init: { body?: unknown; accept?: string; query?: Record<string, string | number | undefined> } = {},
  ): Promise<Response> {
    const url = new URL(base + path);
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
      throw networkError(error, method, url.pathname, options.timeoutMs);
    }
    if (!response.ok) throw await toUpstreamError(response, method, url.pathname);
    return response;
  }

  async function json<T>(response: Response): Promise<T> {
    return (await response.json()) as T;
  }

  return {
    async getAuthenticatedUser() {
      const user = await json<Json>(await request("GET", "/user"));
      return {
        id: Number(user.id),
        login: String(user.login),
        name: typeof user.name === "string" ? user.name : null,
        email: typeof user.email === "string" ? user.email : null,
      };
    },

    async getPrimaryEmail() {
      const emails = await json<Json[]>(await request("GET", "/user/emails"));
      const primary = emails.find((entry) => entry.primary === true && entry.verified === true);
      return typeof primary?.email === "string" ? primary.email : null;
    },

    async listRepositories({ owner, page, perPage }) {
      const path = owner === undefined ? "/user/repos" : `/orgs/${encodeURIComponent(owner)}/repos`;
      const query =
        owner === undefined ? { sort: "updated", page, per_page: perPage } : { page, per_page: perPage };
      let response: Response;
      try {
        response = await request("GET", path, { query });
      } catch (error) {
        // An owner that is a user rather than an organisation answers 404 on /orgs; GitHub lists
        // users' repositories elsewhere, so try that before telling the caller it does not exist.
        if (owner === undefined || !(error instanceof UpstreamError) || error.status !== 404) throw error;
        response = await request("GET", `/users/${encodeURIComponent(owner)}/repos`, { query });
      }
      const items = (await json<Json[]>(response)).map(toRepository);
      return { items, page, hasNextPage: hasNext(response) };
    },

    async searchIssues({ query, page, perPage }) {
      const response = await request("GET", "/search/issues", {
        query: { q: query, page, per_page: perPage },
      });
      const body = await json<Json>(response);
      const items = Array.isArray(body.items) ? (body.items as Json[]).map(toIssue) : [];
      return { items, page, hasNextPage: hasNext(response), total: Number(body.total_count ?? items.length) };
    },

    async getIssue({ owner, repo, number }) {
      const path = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/issues/${number}`;
      return toIssue(await json<Json>(await request("GET", path)));
    },

    async createIssue({ owner, repo, title, body, labels }) {
      const path = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/issues`;
      return toIssue(await json<Json>(await request("POST", path, { body: { title, body, labels } })));
    },

    async getReadme({ owner, repo }) {
      const path = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/readme`;
      const response = await request("GET", path, { accept: "application/vnd.github.raw+json" });
      return response.text();
    },
  };
}

function hasNext(response: Response): boolean {
  return /rel="next"/.test(response.headers.get("link") ?? "");
}

function toRepository(repo: Json): Repository {
  const owner = (repo.owner ?? {}) as Json;
  return {
    fullName: String(repo.full_name),
    owner: String(owner.login ?? ""),
    name: String(repo.name),
    private: repo.private === true,
    description: typeof repo.description === "string" ? repo.description : null,
    language: typeof repo.language === "string" ? repo.language : null,
    stars: Number(repo.stargazers_count ?? 0),
    defaultBranch: String(repo.default_branch ?? "main"),
    url: String(repo.html_url ?? ""),
    updatedAt: String(repo.updated_at ?? ""),
  };
}

function toIssue(issue: Json): Issue {
  const user = (issue.user ?? null) as Json | null;
  const labels = Array.isArray(issue.labels) ? (issue.labels as unknown[]) : [];
  const repositoryUrl = String(issue.repository_url ?? "");
  return {
    repository: repositoryUrl.split("/repos/")[1] ?? "",
    number: Number(issue.number),
    title: String(issue.title ?? ""),
    state: String(issue.state ?? ""),
    author: user && typeof user.login === "string" ? user.login : null,
    labels: labels.map((label) =>
      typeof label === "string" ? label : String((label as Json | null)?.name ?? ""),
    ),
    comments: Number(issue.comments ?? 0),
    body: typeof issue.body === "string" ? issue.body : null,
    url: String(issue.html_url ?? ""),
    createdAt: String(issue.created_at ?? ""),
    updatedAt: String(issue.updated_at ?? ""),
  };
}

function networkError(error: unknown, method: string, path: string, timeoutMs: number): UpstreamError {
  const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
  return timedOut
    ? new UpstreamError(`GitHub did not answer ${method} ${path} within ${timeoutMs} ms`, {
        status: 0,
        reason: "timeout",
        hint: "GitHub is slow to answer right now; try again in a minute.",
        cause: error,
      })
    : new UpstreamError(`Could not reach GitHub for ${method} ${path}`, {
        status: 0,
        reason: "network",
        hint: "GitHub could not be reached; try again in a minute.",
        cause: error,
      });
}

/** Turns a GitHub error response into a typed error that says what the user can do about it. */
async function toUpstreamError(response: Response, method: string, path: string): Promise<UpstreamError> {
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
    return new UpstreamError(`GitHub rate limit exceeded for ${method} ${path}`, {
      status,
      reason,
      hint,
      requestId,
      resetAt: until,
    });
  }
  if (status === 401) {
    reason = "unauthorized";
    hint = "The GitHub authorization is no longer valid; reconnect this server to sign in again.";
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
  const message = `GitHub answered ${status} to ${method} ${path}${githubMessage ? `: ${githubMessage}` : ""}`;
  return new UpstreamError(message, { status, reason, hint, requestId, resetAt });
}
