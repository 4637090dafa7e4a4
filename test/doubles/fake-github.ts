/**
 * A fake GitHub that speaks GitHub's HTTP: the OAuth web flow on one origin and the REST API under
 * another base URL, with GitHub's status codes, error bodies, rate-limit headers and pagination.
 *
 * It is deliberately built on web-standard APIs only (Request, Response, URL, crypto, TextEncoder,
 * setTimeout), so the same module serves miniflare's `outboundService` in Node and a local
 * development server running in workerd.
 */
import type {
  FakeSeed,
  FakeSeedIssue,
  FakeSeedLabel,
  FakeSeedOrg,
  FakeSeedRepo,
  FakeSeedUser,
} from "./fake-github.seed";
import { defaultSeed } from "./fake-github.seed";

export type { FakeSeed, FakeUser } from "./fake-github.seed";

/** How to reach the fake and which OAuth app it knows. */
export interface FakeGitHubOptions {
  /** Origin of the web host, e.g. "http://github.test". Requests whose origin matches go to the web routes. */
  webOrigin: string;
  /**
   * Base URL of the API, e.g. "http://api.github.test" or, GitHub Enterprise style,
   * "http://ghe.test/api/v3". It is a URL prefix, so it may share its origin with `webOrigin`.
   */
  apiBase: string;
  clientId: string;
  clientSecret: string;
  /** Seed data; defaults to `defaultSeed`. */
  seed?: FakeSeed;
}

/** A failure to inject into the API (and, for `status`/`timeout`, the token endpoint). */
export type FakeFault =
  | {
      kind: "status";
      status: 500 | 502 | 503;
      /** Substring of the request pathname; absent means every API route. */
      path?: string;
      /** How many requests it hits before clearing itself; absent means until replaced. */
      times?: number;
      /** The body's `message` (default "Server Error"); lets a test plant text in an upstream error. */
      message?: string;
    }
  | {
      kind: "timeout";
      path?: string;
      /** Wait this long (less if the request is aborted), then answer 504. */
      ms: number;
      times?: number;
    }
  | { kind: "rate_limit"; path?: string; times?: number }
  | {
      /** Wait this long (less if the request is aborted), then answer as usual: a slow but working API. */
      kind: "latency";
      path?: string;
      ms: number;
      times?: number;
    }
  | {
      /**
       * Never answer on its own: the request stays open until the fault is replaced or cleared (or the
       * caller's abort reaches the fake), so a test of a timeout does not race the fake's delay against
       * the caller's. Capped at a minute.
       */
      kind: "hang";
      path?: string;
      times?: number;
    }
  | {
      kind: "body";
      path?: string;
      times?: number;
      /** Answered with 200 and this body as it stands (not JSON-encoded): a broken or truncated reply. */
      body: string;
    };

/** One request the fake received, with header names lower-cased and credentials shortened. */
export interface FakeRequestRecord {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** The fake itself: a fetch handler plus test controls. */
export interface FakeGitHub {
  fetch(request: Request): Promise<Response>;
  /** Whether the request targets the web origin or the API base (control routes included). */
  handles(request: Request): boolean;
  /** Back to the seed: forgets created users and issues, codes, tokens, the fault and the request log. */
  reset(): void;
  setFault(fault: FakeFault | null): void;
  /**
   * Replaces a repository's README, or one of its issues' body when `issue` is given, with `bytes`
   * bytes of generated Markdown (null: back to the seed's), to try replies larger than any seeded one.
   */
  setGeneratedText(target: { repo: string; issue?: number }, bytes: number | null): void;
  /** Revokes every token of `login`, as when the user revokes the OAuth app on GitHub. Returns how many. */
  revokeTokens(login: string): number;
  /** Mint an API access token for a seeded login directly (tests that skip OAuth), with the given scopes. */
  mintToken(login: string, scopes?: string[]): string;
  /** API and web requests in arrival order (control routes excluded); cleared in place by `reset`. */
  readonly requests: FakeRequestRecord[];
}

const DOCS = "https://docs.github.com";
const REST_DOCS = `${DOCS}/rest`;
const SEARCH_DOCS = `${DOCS}/v3/search`;
const RATE_LIMIT_DOCS = `${DOCS}/rest/overview/rate-limits-for-the-rest-api`;
const TOKEN_ERROR_DOCS = `${DOCS}/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors`;
const AUTHORIZE_ERROR_DOCS = `${DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors`;

const DOCS_GET_ISSUE = `${REST_DOCS}/issues/issues#get-an-issue`;
const DOCS_CREATE_ISSUE = `${REST_DOCS}/issues/issues#create-an-issue`;
const DOCS_GET_REPO = `${REST_DOCS}/repos/repos#get-a-repository`;
const DOCS_README = `${REST_DOCS}/repos/contents#get-a-repository-readme`;
const DOCS_ORG_REPOS = `${REST_DOCS}/repos/repos#list-organization-repositories`;
const DOCS_USER_REPOS = `${REST_DOCS}/repos/repos#list-repositories-for-a-user`;
const DOCS_EMAILS = `${REST_DOCS}/users/emails#list-email-addresses-for-the-authenticated-user`;

const CODE_TTL_MS = 10 * 60 * 1000;
const CORE_LIMIT = 5000;
const CORE_WINDOW_S = 3600;
const SEARCH_LIMIT = 30;
const SEARCH_WINDOW_S = 60;
// GitHub's unauthenticated limit; only 401 responses are served from it here.
const ANONYMOUS_LIMIT = 60;
const DEFAULT_MINTED_SCOPES = ["read:user", "repo"];
const GITHUB_API_VERSION = "2022-11-28";
const LOGIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const TIMEOUT_MESSAGE =
  "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.";

// Scopes that include narrower ones, so a `repo` token passes a `public_repo` check as on GitHub.
const IMPLIED_SCOPES: Record<string, readonly string[]> = {
  repo: ["public_repo", "repo:status", "repo_deployment", "repo:invite", "security_events"],
  user: ["read:user", "user:email", "user:follow"],
  "admin:org": ["write:org", "read:org"],
  "write:org": ["read:org"],
};

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  repo: "Full control of private and public repositories",
  public_repo: "Access public repositories",
  "read:user": "Read your profile data",
  "user:email": "Read your email addresses",
  user: "Read and update your profile data",
  "read:org": "Read organisation and team membership",
  gist: "Create gists",
};

type Json = Record<string, unknown>;
type Resource = "core" | "search";

interface Bucket {
  limit: number;
  windowSeconds: number;
  remaining: number;
  /** Epoch seconds. */
  resetAt: number;
}

interface TokenRecord {
  login: string;
  scopes: string[];
  core: Bucket;
  search: Bucket;
}

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  login: string;
  expiresAt: number;
}

interface LabelRecord extends FakeSeedLabel {
  id: number;
}

interface IssueRecord extends Omit<FakeSeedIssue, "repo"> {
  id: number;
  repoId: number;
}

interface World {
  users: Map<string, FakeSeedUser>;
  orgs: Map<string, FakeSeedOrg>;
  repos: FakeSeedRepo[];
  labels: Map<string, LabelRecord>;
  issues: IssueRecord[];
  nextUserId: number;
  nextIssueId: number;
  nextLabelId: number;
}

interface ActiveFault {
  fault: FakeFault;
  remaining: number | null;
}

type Auth =
  | { kind: "missing" }
  | { kind: "invalid" }
  | { kind: "ok"; token: TokenRecord; viewer: FakeSeedUser };

interface ApiContext {
  requestId: string;
  resource: Resource;
  bucket: Bucket;
  scopes: readonly string[] | null;
  acceptedScopes: string;
}

interface ApiCall {
  request: Request;
  url: URL;
  ctx: ApiContext;
  viewer: FakeSeedUser;
  scopes: readonly string[];
  params: string[];
}

interface ApiRoute {
  method: "GET" | "POST";
  pattern: string;
  acceptedScopes: string;
  handle(call: ApiCall): Promise<Response> | Response;
}

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  state: string | null;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

/** Build a fake GitHub; see `FakeGitHubOptions` for how requests are routed. */
export function createFakeGitHub(options: FakeGitHubOptions): FakeGitHub {
  const webOrigin = new URL(options.webOrigin).origin;
  const apiBaseUrl = new URL(options.apiBase);
  const apiOrigin = apiBaseUrl.origin;
  const apiPrefix = apiBaseUrl.pathname.replace(/\/+$/, "");
  const apiRoot = apiOrigin + apiPrefix;
  const seed = options.seed ?? defaultSeed;

  let world = buildWorld(seed);
  const codes = new Map<string, CodeRecord>();
  const tokens = new Map<string, TokenRecord>();
  let anonymous = freshBuckets(ANONYMOUS_LIMIT);
  let activeFault: ActiveFault | null = null;
  const log: FakeRequestRecord[] = [];

  function apiPathOf(url: URL): string | null {
    if (url.origin !== apiOrigin) return null;
    if (apiPrefix === "") return url.pathname;
    if (url.pathname === apiPrefix) return "/";
    if (url.pathname.startsWith(`${apiPrefix}/`)) return url.pathname.slice(apiPrefix.length);
    return null;
  }

  // ---- state -----------------------------------------------------------------------------

  function reset(): void {
    world = buildWorld(seed);
    codes.clear();
    tokens.clear();
    anonymous = freshBuckets(ANONYMOUS_LIMIT);
    setFault(null);
    // In place, so a test holding `fake.requests` keeps seeing the live log.
    log.length = 0;
  }

  /** Requests a `hang` fault holds open, released when the fault is replaced or cleared. */
  const hanging = new Set<() => void>();
  const hang = (signal: AbortSignal): Promise<void> => {
    // Released, the cap's timer goes too: a pending timer would keep the test process alive.
    const released = new AbortController();
    const release = (): void => {
      hanging.delete(release);
      released.abort();
    };
    hanging.add(release);
    return sleep(HANG_CAP_MS, AbortSignal.any([signal, released.signal])).then(release);
  };

  function setFault(fault: FakeFault | null): void {
    for (const release of [...hanging]) release();
    if (fault === null) {
      activeFault = null;
      return;
    }
    const problem = faultProblem(fault);
    if (problem !== null) throw new TypeError(`Invalid fault: ${problem}`);
    activeFault = { fault, remaining: fault.times ?? null };
  }

  /** Consumes one use of the active fault if it applies to this request. */
  function takeFault(pathname: string, target: "api" | "token"): FakeFault | null {
    const active = activeFault;
    if (active === null) return null;
    const { fault } = active;
    if (
      target === "token" &&
      (fault.kind === "rate_limit" || fault.kind === "body" || fault.kind === "latency")
    )
      return null;
    if (fault.path !== undefined && !pathname.includes(fault.path)) return null;
    if (active.remaining !== null) {
      active.remaining -= 1;
      if (active.remaining <= 0) activeFault = null;
    }
    return fault;
  }

  function setGeneratedText(target: { repo: string; issue?: number }, bytes: number | null): void {
    const [owner = "", name = ""] = target.repo.split("/");
    const repo = findRepo(owner, name);
    if (repo === undefined) throw new TypeError(`No repository ${target.repo}.`);
    if (target.issue === undefined) {
      const seeded = seed.repos.find((entry) => entry.id === repo.id);
      repo.readme = bytes === null ? (seeded?.readme ?? null) : generatedMarkdown(bytes);
      return;
    }
    const issue = world.issues.find((entry) => entry.repoId === repo.id && entry.number === target.issue);
    if (issue === undefined) throw new TypeError(`No issue ${target.repo}#${target.issue}.`);
    const seeded = seed.issues.find(
      (entry) => entry.repo.toLowerCase() === target.repo.toLowerCase() && entry.number === target.issue,
    );
    issue.body = bytes === null ? (seeded?.body ?? null) : generatedMarkdown(bytes);
  }

  function revokeTokens(login: string): number {
    let revoked = 0;
    for (const [token, record] of tokens) {
      if (record.login.toLowerCase() !== login.toLowerCase()) continue;
      tokens.delete(token);
      revoked += 1;
    }
    return revoked;
  }

  function findUser(login: string): FakeSeedUser | undefined {
    return world.users.get(login.toLowerCase());
  }

  function ensureUser(login: string): FakeSeedUser {
    const existing = findUser(login);
    if (existing !== undefined) return existing;
    const now = isoNow();
    const user: FakeSeedUser = {
      id: world.nextUserId,
      login,
      name: null,
      email: null,
      company: null,
      location: null,
      bio: null,
      createdAt: now,
      updatedAt: now,
    };
    world.nextUserId += 1;
    while (hasAccountId(world, world.nextUserId)) world.nextUserId += 1;
    world.users.set(login.toLowerCase(), user);
    return user;
  }

  function issueToken(login: string, scopes: readonly string[]): string {
    const token = `gho_${randomAlphanumeric(36)}`;
    const buckets = freshBuckets(CORE_LIMIT);
    tokens.set(token, { login, scopes: [...scopes], core: buckets.core, search: buckets.search });
    return token;
  }

  function mintToken(login: string, scopes: string[] = DEFAULT_MINTED_SCOPES): string {
    const user = findUser(login);
    if (user === undefined) throw new Error(`fake GitHub: no user with login "${login}"`);
    return issueToken(user.login, scopes);
  }

  function record(request: Request): void {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name.toLowerCase()] =
        name.toLowerCase() === "authorization" ? redactAuthorization(value) : value;
    });
    log.push({ method: request.method, url: request.url, headers });
  }

  // ---- visibility ------------------------------------------------------------------------

  function isMember(viewer: FakeSeedUser, ownerLogin: string): boolean {
    if (ownerLogin.toLowerCase() === viewer.login.toLowerCase()) return true;
    const org = world.orgs.get(ownerLogin.toLowerCase());
    if (org === undefined) return false;
    return org.members.some((member) => member.toLowerCase() === viewer.login.toLowerCase());
  }

  // GitHub hides private repositories from tokens without `repo` even when the user could see them.
  function canSee(repo: FakeSeedRepo, viewer: FakeSeedUser, scopes: readonly string[]): boolean {
    return !repo.private || (hasScope(scopes, "repo") && isMember(viewer, repo.owner));
  }

  function findRepo(owner: string, name: string): FakeSeedRepo | undefined {
    const key = `${owner}/${name}`.toLowerCase();
    return world.repos.find((repo) => `${repo.owner}/${repo.name}`.toLowerCase() === key);
  }

  function repoById(id: number): FakeSeedRepo | undefined {
    return world.repos.find((repo) => repo.id === id);
  }

  // ---- JSON shapes -----------------------------------------------------------------------

  function accountJson(account: { id: number; login: string }, type: "User" | "Organization"): Json {
    const url = `${apiRoot}/users/${account.login}`;
    return {
      login: account.login,
      id: account.id,
      node_id: legacyNodeId(type, account.id),
      avatar_url: `${webOrigin}/avatars/u/${account.id}?v=4`,
      gravatar_id: "",
      url,
      html_url: `${webOrigin}/${account.login}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type,
      user_view_type: "public",
      site_admin: false,
    };
  }

  function ownerJson(login: string): Json {
    const org = world.orgs.get(login.toLowerCase());
    if (org !== undefined) return accountJson(org, "Organization");
    const user = findUser(login);
    // A seed is validated on load, so this only guards against hand-edited state.
    return accountJson(user ?? { id: 0, login }, "User");
  }

  function permissionsFor(repo: FakeSeedRepo, viewer: FakeSeedUser): Json {
    const owns = repo.owner.toLowerCase() === viewer.login.toLowerCase();
    const member = isMember(viewer, repo.owner);
    return { admin: owns, maintain: owns, push: member, triage: member, pull: true };
  }

  function repoJson(repo: FakeSeedRepo, viewer: FakeSeedUser): Json {
    const fullName = `${repo.owner}/${repo.name}`;
    const url = `${apiRoot}/repos/${fullName}`;
    const openIssues = world.issues.filter(
      (issue) => issue.repoId === repo.id && issue.state === "open",
    ).length;
    return {
      id: repo.id,
      node_id: legacyNodeId("Repository", repo.id),
      name: repo.name,
      full_name: fullName,
      private: repo.private,
      owner: ownerJson(repo.owner),
      html_url: `${webOrigin}/${fullName}`,
      description: repo.description,
      fork: false,
      url,
      issues_url: `${url}/issues{/number}`,
      labels_url: `${url}/labels{/name}`,
      contents_url: `${url}/contents/{+path}`,
      pulls_url: `${url}/pulls{/number}`,
      created_at: repo.createdAt,
      updated_at: repo.updatedAt,
      pushed_at: repo.pushedAt,
      git_url: `${webOrigin.replace(/^https?:/, "git:")}/${fullName}.git`,
      ssh_url: `git@${new URL(webOrigin).host}:${fullName}.git`,
      clone_url: `${webOrigin}/${fullName}.git`,
      homepage: null,
      size: repo.readme === null ? 0 : Math.ceil(utf8(repo.readme).length / 1024),
      stargazers_count: repo.stargazersCount,
      watchers_count: repo.stargazersCount,
      language: repo.language,
      has_issues: true,
      has_projects: true,
      has_downloads: true,
      has_wiki: !repo.private,
      has_pages: false,
      has_discussions: false,
      forks_count: repo.forksCount,
      mirror_url: null,
      archived: false,
      disabled: false,
      open_issues_count: openIssues,
      license: null,
      allow_forking: true,
      is_template: false,
      web_commit_signoff_required: false,
      topics: [...repo.topics],
      visibility: repo.private ? "private" : "public",
      forks: repo.forksCount,
      open_issues: openIssues,
      watchers: repo.stargazersCount,
      default_branch: repo.defaultBranch,
      permissions: permissionsFor(repo, viewer),
    };
  }

  function labelJson(repo: FakeSeedRepo, name: string): Json {
    const label = world.labels.get(name.toLowerCase()) ?? addLabel(world, name);
    return {
      id: label.id,
      node_id: legacyNodeId("Label", label.id),
      url: `${apiRoot}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color,
      default: DEFAULT_LABELS.has(label.name),
      description: label.description,
    };
  }

  function authorAssociation(repo: FakeSeedRepo, author: string): string {
    if (repo.owner.toLowerCase() === author.toLowerCase()) return "OWNER";
    const user = findUser(author);
    if (user !== undefined && isMember(user, repo.owner)) return "MEMBER";
    return "NONE";
  }

  function issueJson(issue: IssueRecord, repo: FakeSeedRepo): Json {
    const repoUrl = `${apiRoot}/repos/${repo.owner}/${repo.name}`;
    const url = `${repoUrl}/issues/${issue.number}`;
    const author = findUser(issue.author);
    return {
      url,
      repository_url: repoUrl,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${webOrigin}/${repo.owner}/${repo.name}/issues/${issue.number}`,
      id: issue.id,
      node_id: legacyNodeId("Issue", issue.id),
      number: issue.number,
      title: issue.title,
      user: accountJson(author ?? { id: 0, login: issue.author }, "User"),
      labels: issue.labels.map((name) => labelJson(repo, name)),
      state: issue.state,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: issue.comments,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: authorAssociation(repo, issue.author),
      active_lock_reason: null,
      body: issue.body,
      closed_by: null,
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
      state_reason: issue.state === "closed" ? "completed" : null,
    };
  }

  // ---- API responses ---------------------------------------------------------------------

  function apiHeaders(ctx: ApiContext, extra?: Record<string, string>): Headers {
    const headers = new Headers({
      "content-type": "application/json; charset=utf-8",
      "x-github-media-type": "github.v3; format=json",
      "x-github-api-version-selected": GITHUB_API_VERSION,
      "x-github-request-id": ctx.requestId,
      "x-ratelimit-limit": String(ctx.bucket.limit),
      "x-ratelimit-remaining": String(ctx.bucket.remaining),
      "x-ratelimit-reset": String(ctx.bucket.resetAt),
      "x-ratelimit-used": String(ctx.bucket.limit - ctx.bucket.remaining),
      "x-ratelimit-resource": ctx.resource,
      "x-oauth-scopes": ctx.scopes === null ? "" : ctx.scopes.join(", "),
      "x-accepted-oauth-scopes": ctx.acceptedScopes,
      "access-control-allow-origin": "*",
      "access-control-expose-headers":
        "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset",
    });
    if (extra !== undefined) {
      for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    }
    return headers;
  }

  function apiJson(ctx: ApiContext, status: number, body: unknown, extra?: Record<string, string>): Response {
    return new Response(JSON.stringify(body), { status, headers: apiHeaders(ctx, extra) });
  }

  function apiError(
    ctx: ApiContext,
    status: number,
    message: string,
    documentationUrl: string,
    fields?: Json,
    extra?: Record<string, string>,
  ): Response {
    return apiJson(
      ctx,
      status,
      { message, ...fields, documentation_url: documentationUrl, status: String(status) },
      extra,
    );
  }

  function notFound(ctx: ApiContext, documentationUrl: string = REST_DOCS): Response {
    return apiError(ctx, 404, "Not Found", documentationUrl);
  }

  function rateLimited(ctx: ApiContext, viewer: FakeSeedUser | null): Response {
    // The 403 reports an exhausted bucket whatever the counter says, as GitHub does under a fault.
    const exhausted: ApiContext = { ...ctx, bucket: { ...ctx.bucket, remaining: 0 } };
    const who = viewer === null ? "127.0.0.1" : `user ID ${viewer.id}`;
    return apiError(
      exhausted,
      403,
      `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID ${ctx.requestId}.`,
      RATE_LIMIT_DOCS,
    );
  }

  function paginated(call: ApiCall, items: Json[]): Response {
    const page = paginate(items, call.url);
    const extra: Record<string, string> = {};
    if (page.link !== null) extra.link = page.link;
    return apiJson(call.ctx, 200, page.items, extra);
  }

  // ---- API routes ------------------------------------------------------------------------

  function getViewer(call: ApiCall): Response {
    const { viewer } = call;
    const owned = world.repos.filter((repo) => repo.owner.toLowerCase() === viewer.login.toLowerCase());
    const ownedPrivate = owned.filter((repo) => repo.private).length;
    return apiJson(call.ctx, 200, {
      ...accountJson(viewer, "User"),
      name: viewer.name,
      company: viewer.company,
      blog: "",
      location: viewer.location,
      email: viewer.email,
      hireable: null,
      bio: viewer.bio,
      twitter_username: null,
      notification_email: viewer.email,
      public_repos: owned.length - ownedPrivate,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: viewer.createdAt,
      updated_at: viewer.updatedAt,
      private_gists: 0,
      total_private_repos: ownedPrivate,
      owned_private_repos: ownedPrivate,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
    });
  }

  function listEmails(call: ApiCall): Response {
    if (!hasScope(call.scopes, "user:email")) return notFound(call.ctx, DOCS_EMAILS);
    const { viewer } = call;
    const emails: Json[] = [];
    if (viewer.email !== null) {
      emails.push({ email: viewer.email, primary: true, verified: true, visibility: "public" });
    } else if (viewer.privateEmail !== undefined) {
      emails.push({ email: viewer.privateEmail, primary: true, verified: true, visibility: "private" });
    }
    return apiJson(call.ctx, 200, emails);
  }

  function listViewerRepos(call: ApiCall): Response {
    const { viewer, scopes, url } = call;
    const visibility = url.searchParams.get("visibility") ?? "all";
    const type = url.searchParams.get("type") ?? "all";
    const affiliation = (url.searchParams.get("affiliation") ?? "owner,collaborator,organization_member")
      .split(",")
      .map((part) => part.trim());
    const repos = world.repos.filter((repo) => {
      if (!isMember(viewer, repo.owner) || !canSee(repo, viewer, scopes)) return false;
      const owns = repo.owner.toLowerCase() === viewer.login.toLowerCase();
      if (owns ? !affiliation.includes("owner") : !affiliation.includes("organization_member")) return false;
      if (visibility === "public" && repo.private) return false;
      if (visibility === "private" && !repo.private) return false;
      if (type === "owner" && !owns) return false;
      if (type === "member" && owns) return false;
      if (type === "public" && repo.private) return false;
      if (type === "private" && !repo.private) return false;
      return true;
    });
    const sorted = sortRepos(repos, url, "full_name");
    return paginated(
      call,
      sorted.map((repo) => repoJson(repo, viewer)),
    );
  }

  function listUserRepos(call: ApiCall): Response {
    const [login = ""] = call.params;
    if (findUser(login) === undefined && !world.orgs.has(login.toLowerCase())) {
      return notFound(call.ctx, DOCS_USER_REPOS);
    }
    const repos = world.repos.filter(
      (repo) => repo.owner.toLowerCase() === login.toLowerCase() && !repo.private,
    );
    return paginated(
      call,
      sortRepos(repos, call.url, "full_name").map((repo) => repoJson(repo, call.viewer)),
    );
  }

  function listOrgRepos(call: ApiCall): Response {
    const [login = ""] = call.params;
    if (!world.orgs.has(login.toLowerCase())) return notFound(call.ctx, DOCS_ORG_REPOS);
    const type = call.url.searchParams.get("type") ?? "all";
    const repos = world.repos.filter((repo) => {
      if (repo.owner.toLowerCase() !== login.toLowerCase()) return false;
      if (!canSee(repo, call.viewer, call.scopes)) return false;
      if (type === "public") return !repo.private;
      if (type === "private") return repo.private;
      // Seeded repositories are never forks.
      if (type === "forks") return false;
      return true;
    });
    return paginated(
      call,
      sortRepos(repos, call.url, "created").map((repo) => repoJson(repo, call.viewer)),
    );
  }

  function visibleRepo(call: ApiCall): FakeSeedRepo | null {
    const [owner = "", name = ""] = call.params;
    const repo = findRepo(owner, name);
    if (repo === undefined || !canSee(repo, call.viewer, call.scopes)) return null;
    return repo;
  }

  function getRepo(call: ApiCall): Response {
    const repo = visibleRepo(call);
    if (repo === null) return notFound(call.ctx, DOCS_GET_REPO);
    return apiJson(call.ctx, 200, repoJson(repo, call.viewer));
  }

  function getIssue(call: ApiCall): Response {
    const repo = visibleRepo(call);
    const raw = call.params[2] ?? "";
    const number = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
    const issue =
      repo === null ? undefined : world.issues.find((it) => it.repoId === repo.id && it.number === number);
    if (repo === null || issue === undefined) return notFound(call.ctx, DOCS_GET_ISSUE);
    return apiJson(call.ctx, 200, issueJson(issue, repo));
  }

  async function createIssue(call: ApiCall): Promise<Response> {
    const { ctx } = call;
    const repo = visibleRepo(call);
    if (repo === null) return notFound(ctx, DOCS_CREATE_ISSUE);
    if (!hasScope(call.scopes, repo.private ? "repo" : "public_repo")) {
      return apiError(ctx, 403, "Resource not accessible by integration", DOCS_CREATE_ISSUE, undefined, {
        "x-accepted-oauth-scopes": "repo",
      });
    }
    let input: unknown;
    try {
      input = JSON.parse(await call.request.text());
    } catch {
      return apiError(ctx, 400, "Problems parsing JSON", DOCS_CREATE_ISSUE);
    }
    if (!isRecord(input)) return apiError(ctx, 400, "Problems parsing JSON", DOCS_CREATE_ISSUE);

    const invalid = (detail: string): Response =>
      apiError(ctx, 422, `Invalid request.\n\n${detail}`, DOCS_CREATE_ISSUE);
    const rawTitle = input.title;
    let title: string;
    if (typeof rawTitle === "number") title = String(rawTitle);
    else if (typeof rawTitle === "string" && rawTitle.trim() !== "") title = rawTitle;
    else if (rawTitle === undefined || rawTitle === null || typeof rawTitle === "string") {
      return invalid('"title" wasn\'t supplied.');
    } else {
      return invalid(`For 'properties/title', ${JSON.stringify(rawTitle)} is not a string or integer.`);
    }
    const rawBody = input.body;
    if (rawBody !== undefined && rawBody !== null && typeof rawBody !== "string") {
      return invalid(`For 'properties/body', ${JSON.stringify(rawBody)} is not a string or null.`);
    }
    const requestedLabels = labelNames(input.labels);
    if (requestedLabels === null) {
      return invalid(`For 'properties/labels', ${JSON.stringify(input.labels)} is not an array.`);
    }
    // GitHub silently drops labels from people without push access instead of failing.
    const labels = isMember(call.viewer, repo.owner)
      ? requestedLabels.map((name) => (world.labels.get(name.toLowerCase()) ?? addLabel(world, name)).name)
      : [];

    const now = isoNow();
    const number =
      world.issues.reduce((max, it) => (it.repoId === repo.id ? Math.max(max, it.number) : max), 0) + 1;
    const issue: IssueRecord = {
      id: world.nextIssueId,
      repoId: repo.id,
      number,
      title,
      body: typeof rawBody === "string" ? rawBody : null,
      state: "open",
      labels,
      author: call.viewer.login,
      comments: 0,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    };
    world.nextIssueId += 1;
    world.issues.push(issue);
    const body = issueJson(issue, repo);
    return apiJson(ctx, 201, body, { location: String(body.url) });
  }

  async function getReadme(call: ApiCall): Promise<Response> {
    const repo = visibleRepo(call);
    if (repo === null || repo.readme === null) return notFound(call.ctx, DOCS_README);
    const bytes = utf8(repo.readme);
    const accept = call.request.headers.get("accept") ?? "";
    if (/application\/vnd\.github(\.v3)?\.raw/i.test(accept)) {
      return new Response(repo.readme, {
        status: 200,
        headers: apiHeaders(call.ctx, {
          "content-type": "text/plain; charset=utf-8",
          "x-github-media-type": "github.v3; param=raw",
        }),
      });
    }
    const sha = await gitBlobSha(bytes);
    const fullName = `${repo.owner}/${repo.name}`;
    const selfUrl = `${apiRoot}/repos/${fullName}/contents/README.md?ref=${repo.defaultBranch}`;
    const gitUrl = `${apiRoot}/repos/${fullName}/git/blobs/${sha}`;
    const htmlUrl = `${webOrigin}/${fullName}/blob/${repo.defaultBranch}/README.md`;
    return apiJson(call.ctx, 200, {
      name: "README.md",
      path: "README.md",
      sha,
      size: bytes.length,
      url: selfUrl,
      html_url: htmlUrl,
      git_url: gitUrl,
      download_url: `${webOrigin}/${fullName}/raw/${repo.defaultBranch}/README.md`,
      type: "file",
      content: wrapBase64(base64(bytes)),
      encoding: "base64",
      _links: { self: selfUrl, git: gitUrl, html: htmlUrl },
    });
  }

  function searchIssues(call: ApiCall): Response {
    const { ctx, url } = call;
    const q = (url.searchParams.get("q") ?? "").trim();
    if (q === "") {
      return apiError(ctx, 422, "Validation Failed", SEARCH_DOCS, {
        errors: [{ resource: "Search", field: "q", code: "missing" }],
      });
    }
    const query = parseSearchQuery(q);
    const unsearchable = (): Response =>
      apiError(ctx, 422, "Validation Failed", SEARCH_DOCS, {
        errors: [
          {
            message:
              "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.",
            resource: "Search",
            field: "q",
            code: "invalid",
          },
        ],
      });

    for (const term of query.qualifiers) {
      if (term.key === "repo") {
        const [owner = "", name = ""] = term.value.split("/");
        const repo = findRepo(owner, name);
        if (repo === undefined || !canSee(repo, call.viewer, call.scopes)) return unsearchable();
      } else if (term.key === "org") {
        if (!world.orgs.has(term.value.toLowerCase())) return unsearchable();
      } else if (term.key === "user" || term.key === "author") {
        const org = term.key === "user" && world.orgs.has(term.value.toLowerCase());
        if (!org && findUser(term.value) === undefined) return unsearchable();
      }
    }

    const matches: Array<{ issue: IssueRecord; repo: FakeSeedRepo }> = [];
    for (const issue of world.issues) {
      const repo = repoById(issue.repoId);
      if (repo === undefined || !canSee(repo, call.viewer, call.scopes)) continue;
      if (matchesQuery(query, issue, repo)) matches.push({ issue, repo });
    }

    const sort = url.searchParams.get("sort");
    const ascending = url.searchParams.get("order") === "asc";
    const key = (issue: IssueRecord): string | number => {
      if (sort === "comments") return issue.comments;
      if (sort === "created") return issue.createdAt;
      // Best match has no meaningful relevance here; recency is a stable, plausible stand-in.
      return issue.updatedAt;
    };
    matches.sort((a, b) => {
      const order = compare(key(a.issue), key(b.issue)) || compare(a.issue.id, b.issue.id);
      return ascending ? order : -order;
    });

    const page = paginate(
      matches.map(({ issue, repo }) => ({ ...issueJson(issue, repo), score: 1 })),
      url,
    );
    const extra: Record<string, string> = {};
    if (page.link !== null) extra.link = page.link;
    return apiJson(
      ctx,
      200,
      { total_count: matches.length, incomplete_results: false, items: page.items },
      extra,
    );
  }

  const routes: ApiRoute[] = [
    { method: "GET", pattern: "/user", acceptedScopes: "", handle: getViewer },
    { method: "GET", pattern: "/user/emails", acceptedScopes: "user, user:email", handle: listEmails },
    { method: "GET", pattern: "/user/repos", acceptedScopes: "", handle: listViewerRepos },
    { method: "GET", pattern: "/users/:login/repos", acceptedScopes: "", handle: listUserRepos },
    { method: "GET", pattern: "/orgs/:org/repos", acceptedScopes: "", handle: listOrgRepos },
    { method: "GET", pattern: "/search/issues", acceptedScopes: "", handle: searchIssues },
    { method: "GET", pattern: "/repos/:owner/:repo", acceptedScopes: "repo", handle: getRepo },
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/issues/:number",
      acceptedScopes: "repo",
      handle: getIssue,
    },
    { method: "POST", pattern: "/repos/:owner/:repo/issues", acceptedScopes: "repo", handle: createIssue },
    { method: "GET", pattern: "/repos/:owner/:repo/readme", acceptedScopes: "repo", handle: getReadme },
  ];

  function authenticate(header: string | null): Auth {
    if (header === null || header.trim() === "") return { kind: "missing" };
    const token = tokenFromAuthorization(header);
    const record = token === null ? undefined : tokens.get(token);
    const viewer = record === undefined ? undefined : findUser(record.login);
    if (record === undefined || viewer === undefined) return { kind: "invalid" };
    return { kind: "ok", token: record, viewer };
  }

  async function handleApi(request: Request, url: URL, path: string): Promise<Response> {
    const resource: Resource = path.startsWith("/search/") ? "search" : "core";
    const auth = authenticate(request.headers.get("authorization"));
    const bucket = auth.kind === "ok" ? auth.token[resource] : anonymous[resource];
    refill(bucket);
    const ctx: ApiContext = {
      requestId: newRequestId(),
      resource,
      bucket,
      scopes: auth.kind === "ok" ? auth.token.scopes : null,
      acceptedScopes: "",
    };

    const fault = takeFault(url.pathname, "api");
    if (fault?.kind === "latency") await sleep(fault.ms, request.signal);
    else if (fault !== null) {
      if (fault.kind === "rate_limit") return rateLimited(ctx, auth.kind === "ok" ? auth.viewer : null);
      if (fault.kind === "timeout" || fault.kind === "hang") {
        await (fault.kind === "hang" ? hang(request.signal) : sleep(fault.ms, request.signal));
        return apiJson(ctx, 504, { message: TIMEOUT_MESSAGE });
      }
      if (fault.kind === "body") {
        return new Response(fault.body, { status: 200, headers: { "Content-Type": "application/json" } });
      }
      return apiJson(ctx, fault.status, { message: fault.message ?? "Server Error" });
    }

    if (auth.kind !== "ok") {
      bucket.remaining = Math.max(0, bucket.remaining - 1);
      const message = auth.kind === "missing" ? "Requires authentication" : "Bad credentials";
      return apiError(ctx, 401, message, REST_DOCS);
    }
    if (bucket.remaining <= 0) return rateLimited(ctx, auth.viewer);
    bucket.remaining -= 1;

    const segments = splitPath(path);
    if (segments === null) return notFound(ctx);
    const method = request.method.toUpperCase();
    for (const route of routes) {
      const params = matchPattern(segments, route.pattern);
      if (params === null || route.method !== method) continue;
      ctx.acceptedScopes = route.acceptedScopes;
      return route.handle({ request, url, ctx, viewer: auth.viewer, scopes: auth.token.scopes, params });
    }
    return notFound(ctx);
  }

  // ---- control routes --------------------------------------------------------------------

  async function handleControl(request: Request, path: string): Promise<Response> {
    const method = request.method.toUpperCase();
    if (method === "POST" && path === "/__fake/reset") {
      reset();
      return controlJson(200, { ok: true });
    }
    if (method === "GET" && path === "/__fake/requests") return controlJson(200, log);
    if (method === "POST" && path === "/__fake/fault") {
      const input = await readJsonBody(request);
      if (input === undefined)
        return controlJson(400, { message: "Body must be JSON: a FakeFault or null." });
      if (input === null) {
        setFault(null);
        return controlJson(200, { fault: null });
      }
      const problem = faultProblem(input);
      if (problem !== null || !isFault(input)) {
        return controlJson(400, { message: `Invalid fault: ${problem ?? "unrecognised shape"}` });
      }
      setFault(input);
      return controlJson(200, { fault: input });
    }
    if (method === "POST" && path === "/__fake/generated") {
      const input = await readJsonBody(request);
      const repo = isRecord(input) ? input.repo : undefined;
      const issue = isRecord(input) ? input.issue : undefined;
      const bytes = isRecord(input) ? input.bytes : undefined;
      const sizeOk =
        bytes === null || (Number.isInteger(bytes) && Number(bytes) >= 0 && Number(bytes) <= 64 << 20);
      if (typeof repo !== "string" || !sizeOk || (issue !== undefined && !Number.isInteger(issue))) {
        return controlJson(400, {
          message: 'Body must be {"repo": "owner/name", "issue"?: number, "bytes": 0 to 64 MiB or null}.',
        });
      }
      try {
        setGeneratedText(
          { repo, ...(issue === undefined ? {} : { issue: Number(issue) }) },
          bytes as number | null,
        );
      } catch (error) {
        return controlJson(404, { message: (error as Error).message });
      }
      return controlJson(200, { repo, bytes });
    }
    if (method === "POST" && path === "/__fake/revoke") {
      const input = await readJsonBody(request);
      const login = isRecord(input) ? input.login : undefined;
      if (typeof login !== "string") return controlJson(400, { message: 'Body must be {"login": string}.' });
      return controlJson(200, { revoked: revokeTokens(login) });
    }
    if (method === "POST" && path === "/__fake/token") {
      const input = await readJsonBody(request);
      const login = isRecord(input) ? input.login : undefined;
      const scopes = isRecord(input) ? input.scopes : undefined;
      if (typeof login !== "string" || (scopes !== undefined && !isStringArray(scopes))) {
        return controlJson(400, { message: 'Body must be {"login": string, "scopes"?: string[]}.' });
      }
      if (findUser(login) === undefined)
        return controlJson(404, { message: `No user with login "${login}".` });
      return controlJson(200, { token: mintToken(login, scopes) });
    }
    return controlJson(404, { message: "Not Found" });
  }

  // ---- web: OAuth ------------------------------------------------------------------------

  function readAuthorizeParams(source: URLSearchParams): AuthorizeParams | Response {
    const clientId = source.get("client_id") ?? "";
    if (clientId !== options.clientId) {
      return htmlPage(
        404,
        "Page not found",
        html`<h1>Page not found</h1>
          <p>The client_id <code>${clientId}</code> is not registered with this (fake) GitHub.</p>`,
      );
    }
    const redirectUri = source.get("redirect_uri") ?? "";
    if (!isHttpUrl(redirectUri)) {
      return htmlPage(
        400,
        "Redirect URI problem",
        html`<h1>Redirect URI problem</h1>
          <p>The fake needs an absolute http(s) <code>redirect_uri</code>; it was given <code>${redirectUri}</code>.</p>`,
      );
    }
    const codeChallenge = nonEmpty(source.get("code_challenge"));
    const codeChallengeMethod = nonEmpty(source.get("code_challenge_method"));
    if (codeChallenge !== null && codeChallengeMethod !== null && codeChallengeMethod !== "S256") {
      return htmlPage(
        400,
        "Unsupported PKCE method",
        html`<h1>Unsupported PKCE method</h1>
          <p>GitHub accepts only <code>S256</code> as <code>code_challenge_method</code>, not <code>${codeChallengeMethod}</code>.</p>`,
      );
    }
    return {
      clientId,
      redirectUri,
      state: source.get("state"),
      scope: source.get("scope") ?? "",
      codeChallenge,
      codeChallengeMethod,
    };
  }

  function approve(params: AuthorizeParams, login: string): Response {
    const user = ensureUser(login);
    const code = randomHex(20);
    codes.set(code, {
      clientId: params.clientId,
      redirectUri: params.redirectUri,
      scopes: parseScopes(params.scope),
      codeChallenge: params.codeChallenge,
      login: user.login,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    return redirectTo(params.redirectUri, { code, state: params.state });
  }

  function renderSignIn(params: AuthorizeParams, error: string | null, status: number): Response {
    const hidden = (decision: string): SafeHtml => html`
      <input type="hidden" name="client_id" value="${params.clientId}">
      <input type="hidden" name="redirect_uri" value="${params.redirectUri}">
      ${params.state === null ? "" : html`<input type="hidden" name="state" value="${params.state}">`}
      <input type="hidden" name="scope" value="${params.scope}">
      ${params.codeChallenge === null ? "" : html`<input type="hidden" name="code_challenge" value="${params.codeChallenge}">`}
      ${params.codeChallengeMethod === null ? "" : html`<input type="hidden" name="code_challenge_method" value="${params.codeChallengeMethod}">`}
      <input type="hidden" name="decision" value="${decision}">`;
    const scopes = parseScopes(params.scope);
    const users = [...world.users.values()].sort((a, b) => a.id - b.id);
    const returnHost = new URL(params.redirectUri).host;
    const body = html`
      <p class="banner">Local development sign-in — this is not GitHub</p>
      <h1>Sign in to <strong>${params.clientId}</strong></h1>
      <p class="muted">After you choose an account you will be sent back to <code>${returnHost}</code>.</p>
      <section>
        <h2>The application asks for</h2>
        ${
          scopes.length === 0
            ? html`<p class="muted">Public information only (no scopes).</p>`
            : html`<ul class="scopes">${scopes.map(
                (scope) =>
                  html`<li><code>${scope}</code> <span class="muted">${SCOPE_DESCRIPTIONS[scope] ?? ""}</span></li>`,
              )}</ul>`
        }
      </section>
      ${error === null ? "" : html`<p class="error" role="alert">${error}</p>`}
      <form method="post" action="/login/oauth/authorize">
        ${hidden("approve")}
        <h2>Continue as</h2>
        <ul class="accounts">${users.map(
          (user) => html`<li><button type="submit" name="login" value="${user.login}" class="account">
            <span class="avatar" style="background: hsl(${(user.id * 47) % 360} 55% 45%)" aria-hidden="true">${user.login.slice(0, 1).toUpperCase()}</span>
            <span class="who"><strong>${user.name ?? user.login}</strong><span class="muted">@${user.login} · id ${user.id}${user.email === null ? "" : ` · ${user.email}`}</span></span>
          </button></li>`,
        )}</ul>
      </form>
      <form method="post" action="/login/oauth/authorize" class="other">
        ${hidden("approve")}
        <label for="login">Or sign in as any login</label>
        <div class="row">
          <input id="login" name="login" required maxlength="39" pattern="[A-Za-z0-9\\-]{1,39}" autocomplete="off" spellcheck="false" placeholder="new-login">
          <button type="submit">Continue</button>
        </div>
        <p class="muted small">A login that does not exist yet is created with the next free id.</p>
      </form>
      <form method="post" action="/login/oauth/authorize">
        ${hidden("cancel")}
        <button type="submit" class="secondary">Cancel</button>
      </form>`;
    return htmlPage(status, "Local development sign-in — this is not GitHub", body);
  }

  function authorizeGet(url: URL): Response {
    const params = readAuthorizeParams(url.searchParams);
    if (params instanceof Response) return params;
    const login = nonEmpty(url.searchParams.get("login"));
    if (login === null) return renderSignIn(params, null, 200);
    if (!LOGIN_PATTERN.test(login))
      return renderSignIn(params, `"${login}" is not a valid GitHub login.`, 400);
    return approve(params, login);
  }

  async function authorizePost(request: Request): Promise<Response> {
    const form = await readForm(request);
    const params = readAuthorizeParams(form);
    if (params instanceof Response) return params;
    const decision = form.get("decision") ?? "approve";
    if (decision === "cancel" || decision === "deny") {
      return redirectTo(params.redirectUri, {
        error: "access_denied",
        error_description: "The user has denied your application access.",
        error_uri: `${AUTHORIZE_ERROR_DOCS}/#access-denied`,
        state: params.state,
      });
    }
    const login = (form.get("login") ?? "").trim();
    if (login === "") return renderSignIn(params, "Choose an account or type a login.", 400);
    if (!LOGIN_PATTERN.test(login))
      return renderSignIn(params, `"${login}" is not a valid GitHub login.`, 400);
    return approve(params, login);
  }

  async function accessToken(request: Request, url: URL): Promise<Response> {
    const wantsJson = (request.headers.get("accept") ?? "").includes("application/json");
    const fault = takeFault(url.pathname, "token");
    if (fault?.kind === "status") return plainJson(fault.status, { message: "Server Error" });
    if (fault?.kind === "timeout" || fault?.kind === "hang") {
      await (fault.kind === "hang" ? hang(request.signal) : sleep(fault.ms, request.signal));
      return plainJson(504, { message: TIMEOUT_MESSAGE });
    }

    const input = await readTokenRequest(request, url);
    const reply = (fields: Record<string, string>): Response => {
      if (wantsJson) return plainJson(200, fields);
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) body.set(name, value);
      return new Response(body.toString(), {
        status: 200,
        headers: {
          "content-type": "application/x-www-form-urlencoded; charset=utf-8",
          "cache-control": "no-store",
        },
      });
    };
    const fail = (error: string, description: string, anchor: string): Response =>
      reply({ error, error_description: description, error_uri: `${TOKEN_ERROR_DOCS}/#${anchor}` });

    if (input.clientId !== options.clientId || input.clientSecret !== options.clientSecret) {
      return fail(
        "incorrect_client_credentials",
        "The client_id and/or client_secret passed are incorrect.",
        "incorrect-client-credentials",
      );
    }
    const badCode = (): Response =>
      fail("bad_verification_code", "The code passed is incorrect or expired.", "bad-verification-code");
    const grant = input.code === null ? undefined : codes.get(input.code);
    if (input.code === null || grant === undefined || grant.clientId !== input.clientId) return badCode();
    if (grant.expiresAt <= Date.now()) {
      codes.delete(input.code);
      return badCode();
    }
    if (input.redirectUri !== null && input.redirectUri !== grant.redirectUri) {
      return fail(
        "redirect_uri_mismatch",
        "The redirect_uri MUST match the registered callback URL for this application.",
        "redirect-uri-mismatch2",
      );
    }
    if (grant.codeChallenge !== null) {
      const verifier = input.codeVerifier;
      if (verifier === null || (await s256(verifier)) !== grant.codeChallenge) return badCode();
    }
    codes.delete(input.code);
    const token = issueToken(grant.login, grant.scopes);
    return reply({ access_token: token, token_type: "bearer", scope: grant.scopes.join(",") });
  }

  async function handleWeb(request: Request, url: URL): Promise<Response> {
    const method = request.method.toUpperCase();
    if (url.pathname === "/login/oauth/authorize") {
      if (method === "GET") return authorizeGet(url);
      if (method === "POST") return authorizePost(request);
    }
    if (url.pathname === "/login/oauth/access_token" && method === "POST") return accessToken(request, url);
    const avatar = /^\/avatars\/u\/([0-9]+)$/.exec(url.pathname);
    if (avatar !== null && method === "GET") return avatarSvg(Number(avatar[1]));
    return htmlPage(
      404,
      "Page not found",
      html`<h1>Page not found</h1><p>This fake GitHub has no page here.</p>`,
    );
  }

  function avatarSvg(id: number): Response {
    const account =
      [...world.users.values()].find((user) => user.id === id) ??
      [...world.orgs.values()].find((org) => org.id === id);
    const letter = account === undefined ? "?" : account.login.slice(0, 1).toUpperCase();
    const svg = html`<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120"><rect width="120" height="120" fill="hsl(${(id * 47) % 360} 55% 45%)"/><text x="60" y="78" font-family="system-ui, sans-serif" font-size="56" fill="#fff" text-anchor="middle">${letter}</text></svg>`;
    return new Response(svg.html, {
      status: 200,
      headers: { "content-type": "image/svg+xml; charset=utf-8", "cache-control": "max-age=300" },
    });
  }

  // ---- entry -----------------------------------------------------------------------------

  function handles(request: Request): boolean {
    const url = parseUrl(request.url);
    return url !== null && (apiPathOf(url) !== null || url.origin === webOrigin);
  }

  async function fetchHandler(request: Request): Promise<Response> {
    const url = parseUrl(request.url);
    const apiPath = url === null ? null : apiPathOf(url);
    if (url !== null && apiPath !== null) {
      if (apiPath === "/__fake" || apiPath.startsWith("/__fake/")) return handleControl(request, apiPath);
      record(request);
      return handleApi(request, url, apiPath);
    }
    if (url !== null && url.origin === webOrigin) {
      record(request);
      return handleWeb(request, url);
    }
    // Not a GitHub status: a test that routes other hosts here should notice at once.
    return new Response(`fake GitHub does not serve ${request.url}\n`, {
      status: 502,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }

  return {
    fetch: fetchHandler,
    handles,
    reset,
    setFault,
    setGeneratedText,
    revokeTokens,
    mintToken,
    get requests(): FakeRequestRecord[] {
      return log;
    },
  };
}

// ---- world -------------------------------------------------------------------------------

const DEFAULT_LABELS = new Set([
  "bug",
  "documentation",
  "duplicate",
  "enhancement",
  "good first issue",
  "help wanted",
  "invalid",
  "question",
  "wontfix",
]);

function buildWorld(seed: FakeSeed): World {
  // A deep copy, so created issues and users never leak into the seed shared between fakes.
  const copy = structuredClone(seed);
  const users = new Map<string, FakeSeedUser>();
  for (const user of copy.users) users.set(user.login.toLowerCase(), user);
  const orgs = new Map<string, FakeSeedOrg>();
  for (const org of copy.orgs) {
    if (users.has(org.login.toLowerCase())) throw new Error(`seed: "${org.login}" is both a user and an org`);
    for (const member of org.members) {
      if (!users.has(member.toLowerCase()))
        throw new Error(`seed: org ${org.login} lists unknown member ${member}`);
    }
    orgs.set(org.login.toLowerCase(), org);
  }
  for (const repo of copy.repos) {
    const owner = repo.owner.toLowerCase();
    if (!users.has(owner) && !orgs.has(owner))
      throw new Error(`seed: repo ${repo.name} has unknown owner ${repo.owner}`);
  }
  const world: World = {
    users,
    orgs,
    repos: copy.repos,
    labels: new Map(),
    issues: [],
    nextUserId: 1,
    nextIssueId: 1,
    nextLabelId: 1,
  };
  world.nextLabelId = 8001;
  for (const label of copy.labels) addLabel(world, label.name, label);
  world.nextIssueId = 9001;
  for (const issue of copy.issues) {
    const repo = copy.repos.find((it) => `${it.owner}/${it.name}`.toLowerCase() === issue.repo.toLowerCase());
    if (repo === undefined)
      throw new Error(`seed: issue #${issue.number} refers to unknown repo ${issue.repo}`);
    if (!users.has(issue.author.toLowerCase()))
      throw new Error(`seed: issue ${issue.repo}#${issue.number} has unknown author`);
    for (const name of issue.labels) if (!world.labels.has(name.toLowerCase())) addLabel(world, name);
    const { repo: _repo, ...rest } = issue;
    world.issues.push({ ...rest, id: world.nextIssueId, repoId: repo.id });
    world.nextIssueId += 1;
  }
  world.nextUserId = Math.max(0, ...copy.users.map((user) => user.id)) + 1;
  while (hasAccountId(world, world.nextUserId)) world.nextUserId += 1;
  return world;
}

function hasAccountId(world: World, id: number): boolean {
  for (const user of world.users.values()) if (user.id === id) return true;
  for (const org of world.orgs.values()) if (org.id === id) return true;
  return false;
}

function addLabel(world: World, name: string, definition?: FakeSeedLabel): LabelRecord {
  const label: LabelRecord = {
    id: world.nextLabelId,
    name,
    color: definition?.color ?? "ededed",
    description: definition?.description ?? null,
  };
  world.nextLabelId += 1;
  world.labels.set(name.toLowerCase(), label);
  return label;
}

// ---- rate limits -------------------------------------------------------------------------

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function freshBuckets(coreLimit: number): Record<Resource, Bucket> {
  const now = nowSeconds();
  const searchLimit = coreLimit === ANONYMOUS_LIMIT ? 10 : SEARCH_LIMIT;
  return {
    core: {
      limit: coreLimit,
      windowSeconds: CORE_WINDOW_S,
      remaining: coreLimit,
      resetAt: now + CORE_WINDOW_S,
    },
    search: {
      limit: searchLimit,
      windowSeconds: SEARCH_WINDOW_S,
      remaining: searchLimit,
      resetAt: now + SEARCH_WINDOW_S,
    },
  };
}

function refill(bucket: Bucket): void {
  const now = nowSeconds();
  if (now < bucket.resetAt) return;
  bucket.remaining = bucket.limit;
  bucket.resetAt = now + bucket.windowSeconds;
}

// ---- search ------------------------------------------------------------------------------

const QUALIFIERS = new Set(["repo", "org", "user", "author", "label", "is", "state", "type", "in"]);

interface SearchTerm {
  key: string | null;
  value: string;
  negated: boolean;
}

interface SearchQuery {
  qualifiers: SearchTerm[];
  text: SearchTerm[];
}

function parseSearchQuery(q: string): SearchQuery {
  const query: SearchQuery = { qualifiers: [], text: [] };
  const pattern = /(-?)(?:([A-Za-z][A-Za-z_-]*):)?(?:"([^"]*)"?|(\S+))/g;
  for (let match = pattern.exec(q); match !== null; match = pattern.exec(q)) {
    const [whole, minus = "", key, quoted, bare] = match;
    const value = quoted ?? bare ?? "";
    const negated = minus === "-";
    if (key !== undefined && QUALIFIERS.has(key.toLowerCase())) {
      query.qualifiers.push({ key: key.toLowerCase(), value, negated });
    } else {
      // Unknown qualifiers are plain words to GitHub too.
      const text = negated ? whole.slice(1) : whole;
      const word = key === undefined ? value : text.replace(/"/g, "");
      if (word !== "") query.text.push({ key: null, value: word.toLowerCase(), negated });
    }
  }
  return query;
}

const SCOPE_QUALIFIERS = new Set(["repo", "org", "user"]);

function matchesQuery(query: SearchQuery, issue: IssueRecord, repo: FakeSeedRepo): boolean {
  const fullName = `${repo.owner}/${repo.name}`.toLowerCase();
  const owner = repo.owner.toLowerCase();
  const inScope = (term: SearchTerm): boolean =>
    term.key === "repo" ? fullName === term.value.toLowerCase() : owner === term.value.toLowerCase();
  // Scope qualifiers widen each other (repo:a repo:b means either); every other qualifier narrows.
  const scopes = query.qualifiers.filter((term) => !term.negated && SCOPE_QUALIFIERS.has(term.key ?? ""));
  if (scopes.length > 0 && !scopes.some(inScope)) return false;

  const fields = new Set<string>();
  for (const term of query.qualifiers) {
    const value = term.value.toLowerCase();
    let holds: boolean;
    switch (term.key) {
      case "repo":
      case "org":
      case "user":
        if (!term.negated) continue;
        holds = inScope(term);
        break;
      case "author":
        holds = issue.author.toLowerCase() === value;
        break;
      case "label":
        holds = issue.labels.some((label) => label.toLowerCase() === value);
        break;
      case "is":
      case "state":
      case "type":
        if (value === "open" || value === "closed") holds = issue.state === value;
        else if (value === "pr" || value === "pull-request") holds = false;
        else if (value === "public" || value === "private") holds = repo.private === (value === "private");
        else holds = true;
        break;
      case "in":
        for (const field of value.split(",")) fields.add(field);
        continue;
      default:
        holds = true;
    }
    if (holds === term.negated) return false;
  }
  const haystack = [
    fields.size === 0 || fields.has("title") ? issue.title : "",
    fields.size === 0 || fields.has("body") ? (issue.body ?? "") : "",
  ]
    .join("\n")
    .toLowerCase();
  return query.text.every((term) => haystack.includes(term.value) !== term.negated);
}

// ---- pagination and sorting --------------------------------------------------------------

function paginate<T>(items: T[], url: URL): { items: T[]; link: string | null } {
  const perPage = clampInt(url.searchParams.get("per_page"), 30, 100);
  const page = clampInt(url.searchParams.get("page"), 1, Number.MAX_SAFE_INTEGER);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const pageUrl = (n: number): string => {
    const target = new URL(url.href);
    target.searchParams.set("page", String(n));
    return target.href;
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${pageUrl(Math.min(page - 1, last))}>; rel="prev"`);
  if (page < last) {
    links.push(`<${pageUrl(page + 1)}>; rel="next"`);
    links.push(`<${pageUrl(last)}>; rel="last"`);
  }
  if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    link: links.length === 0 ? null : links.join(", "),
  };
}

function clampInt(raw: string | null, fallback: number, max: number): number {
  const value = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  if (!Number.isFinite(value) || value < 1) return fallback;
  return Math.min(value, max);
}

function sortRepos(repos: FakeSeedRepo[], url: URL, defaultSort: string): FakeSeedRepo[] {
  const requested = url.searchParams.get("sort");
  const sort =
    requested !== null && ["created", "updated", "pushed", "full_name"].includes(requested)
      ? requested
      : defaultSort;
  const direction = url.searchParams.get("direction") ?? (sort === "full_name" ? "asc" : "desc");
  const key = (repo: FakeSeedRepo): string => {
    if (sort === "created") return repo.createdAt;
    if (sort === "updated") return repo.updatedAt;
    if (sort === "pushed") return repo.pushedAt;
    return `${repo.owner}/${repo.name}`.toLowerCase();
  };
  return [...repos].sort(
    (a, b) => (direction === "asc" ? 1 : -1) * (compare(key(a), key(b)) || compare(a.id, b.id)),
  );
}

function compare(a: string | number, b: string | number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

// ---- request parsing ---------------------------------------------------------------------

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

function splitPath(path: string): string[] | null {
  try {
    return path.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return null;
  }
}

function matchPattern(segments: readonly string[], pattern: string): string[] | null {
  const parts = pattern.split("/").slice(1);
  if (parts.length !== segments.length) return null;
  const params: string[] = [];
  for (const [index, part] of parts.entries()) {
    const segment = segments[index];
    if (segment === undefined || segment === "") return null;
    if (part.startsWith(":")) params.push(segment);
    else if (part !== segment) return null;
  }
  return params;
}

function tokenFromAuthorization(header: string): string | null {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (match === null) return null;
  const [, scheme = "", credential = ""] = match;
  const lower = scheme.toLowerCase();
  if (lower === "bearer" || lower === "token") return credential;
  if (lower === "basic") {
    // GitHub accepts a token as the Basic password.
    try {
      const decoded = atob(credential);
      return decoded.slice(decoded.indexOf(":") + 1) || null;
    } catch {
      return null;
    }
  }
  return null;
}

function redactAuthorization(value: string): string {
  const space = value.indexOf(" ");
  if (space === -1) return `${value.slice(0, 4)}…`;
  return `${value.slice(0, space)} ${value
    .slice(space + 1)
    .trim()
    .slice(0, 4)}…`;
}

async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("multipart/form-data")) {
    const form = await request.formData();
    const params = new URLSearchParams();
    form.forEach((value, name) => {
      if (typeof value === "string") params.append(name, value);
    });
    return params;
  }
  return new URLSearchParams(await request.text());
}

async function readJsonBody(request: Request): Promise<unknown> {
  try {
    return JSON.parse(await request.text());
  } catch {
    return undefined;
  }
}

interface TokenRequest {
  clientId: string | null;
  clientSecret: string | null;
  code: string | null;
  redirectUri: string | null;
  codeVerifier: string | null;
}

async function readTokenRequest(request: Request, url: URL): Promise<TokenRequest> {
  // GitHub reads parameters from the query string as well as the body; the body wins.
  const fields = new Map<string, string>();
  url.searchParams.forEach((value, name) => {
    fields.set(name, value);
  });
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    const body = await readJsonBody(request);
    if (isRecord(body)) {
      for (const [name, value] of Object.entries(body)) {
        if (typeof value === "string" || typeof value === "number") fields.set(name, String(value));
      }
    }
  } else {
    (await readForm(request)).forEach((value, name) => {
      fields.set(name, value);
    });
  }
  const basic = /^\s*basic\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (basic !== null && !fields.has("client_secret")) {
    try {
      const decoded = atob(basic[1] ?? "");
      const colon = decoded.indexOf(":");
      if (colon !== -1) {
        fields.set("client_id", decodeURIComponent(decoded.slice(0, colon)));
        fields.set("client_secret", decodeURIComponent(decoded.slice(colon + 1)));
      }
    } catch {
      // A malformed header is simply no credentials, which the caller reports as such.
    }
  }
  const get = (name: string): string | null => nonEmpty(fields.get(name) ?? null);
  return {
    clientId: get("client_id"),
    clientSecret: get("client_secret"),
    code: get("code"),
    redirectUri: get("redirect_uri"),
    codeVerifier: get("code_verifier"),
  };
}

function parseScopes(raw: string): string[] {
  return [...new Set(raw.split(/[\s,]+/).filter((scope) => scope !== ""))];
}

function hasScope(granted: readonly string[], needed: string): boolean {
  return granted.some((scope) => scope === needed || IMPLIED_SCOPES[scope]?.includes(needed) === true);
}

function labelNames(raw: unknown): string[] | null {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return null;
  const names: string[] = [];
  for (const entry of raw) {
    if (typeof entry === "string" && entry !== "") names.push(entry);
    else if (isRecord(entry) && typeof entry.name === "string") names.push(entry.name);
    else return null;
  }
  return [...new Set(names)];
}

/** Markdown of exactly `bytes` UTF-8 bytes: numbered sections, so a cut shows where it fell. */
function generatedMarkdown(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let line = 1; size < bytes; line += 1) {
    const text =
      line % 40 === 1
        ? `## Section ${Math.ceil(line / 40)}\n`
        : `Line ${line} of a generated README, padding it out to the size under test.\n`;
    parts.push(text);
    size += text.length;
  }
  return parts.join("").slice(0, bytes);
}

// ---- faults ------------------------------------------------------------------------------

function faultProblem(input: unknown): string | null {
  if (!isRecord(input)) return "expected an object";
  if (input.path !== undefined && typeof input.path !== "string") return "path must be a string";
  if (input.times !== undefined && !(Number.isInteger(input.times) && Number(input.times) > 0)) {
    return "times must be a positive integer";
  }
  if (input.kind === "status") {
    if (input.message !== undefined && typeof input.message !== "string") return "message must be a string";
    return input.status === 500 || input.status === 502 || input.status === 503
      ? null
      : "status must be 500, 502 or 503";
  }
  if (input.kind === "timeout" || input.kind === "latency") {
    return typeof input.ms === "number" && Number.isFinite(input.ms) && input.ms >= 0
      ? null
      : "ms must be a non-negative number";
  }
  if (input.kind === "rate_limit") return null;
  if (input.kind === "body") return typeof input.body === "string" ? null : "body must be a string";
  if (input.kind === "hang") return null;
  return 'kind must be "status", "timeout", "latency", "hang", "rate_limit" or "body"';
}

function isFault(input: unknown): input is FakeFault {
  return faultProblem(input) === null;
}

// ---- small utilities ---------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === "string");
}

function nonEmpty(value: string | null): string | null {
  return value === null || value === "" ? null : value;
}

function isHttpUrl(raw: string): boolean {
  const url = parseUrl(raw);
  return url !== null && (url.protocol === "http:" || url.protocol === "https:");
}

function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

// A copy typed as ArrayBuffer-backed, which crypto.subtle requires under every lib's typings.
function utf8(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(new TextEncoder().encode(text));
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// GitHub's contents API wraps base64 at 60 columns and ends with a newline; clients must cope.
function wrapBase64(encoded: string): string {
  return `${(encoded.match(/.{1,60}/g) ?? []).join("\n")}\n`;
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(verifier)));
  return base64(digest).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// The real blob SHA, so clients that compare or cache by `sha` behave as against GitHub.
async function gitBlobSha(content: Uint8Array): Promise<string> {
  const header = utf8(`blob ${content.length}\0`);
  const buffer = new Uint8Array(header.length + content.length);
  buffer.set(header, 0);
  buffer.set(content, header.length);
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-1", buffer)));
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

function randomHex(length: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(Math.ceil(length / 2)))).slice(0, length);
}

function randomAlphanumeric(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length))) {
      // Rejecting the top of the byte range keeps every character equally likely.
      if (byte < 248 && out.length < length) out += alphabet.charAt(byte % 62);
    }
  }
  return out;
}

// Shaped like GitHub's "XXXX:XXXXX:XXXXXXX:XXXXXXX:XXXXXXXX", which support tooling expects.
function newRequestId(): string {
  return [4, 5, 7, 7, 8].map((length) => randomHex(length).toUpperCase()).join(":");
}

// GitHub's legacy global node ids: base64 of "<len of type, 0-padded>:<Type><id>".
function legacyNodeId(type: string, id: number): string {
  return btoa(`0${type.length}:${type}${id}`);
}

/** How long a `hang` fault holds a request whose caller never gives up. */
const HANG_CAP_MS = 60_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function redirectTo(target: string, params: Record<string, string | null>): Response {
  const url = new URL(target);
  for (const [name, value] of Object.entries(params)) {
    if (value !== null) url.searchParams.set(name, value);
  }
  return new Response(null, { status: 302, headers: { location: url.href, "cache-control": "no-store" } });
}

function plainJson(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

function controlJson(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

// ---- HTML --------------------------------------------------------------------------------

interface SafeHtml {
  readonly html: string;
}

type HtmlValue = string | number | SafeHtml | readonly SafeHtml[] | null | undefined;

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function isSafeHtml(value: HtmlValue): value is SafeHtml {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Every interpolation is escaped unless it is already SafeHtml, so echoed input cannot inject markup.
function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    if (Array.isArray(value)) out += value.map((item: SafeHtml) => item.html).join("");
    else if (isSafeHtml(value)) out += value.html;
    else if (value !== null && value !== undefined) out += escapeHtml(String(value));
    out += strings[index + 1] ?? "";
  });
  return { html: out };
}

const PAGE_STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #f6f8fa; --card: #fff; --line: #d1d9e0; --accent: #1f883d; --warn-bg: #fff8c5; --warn-fg: #4d2d00; --err: #d1242f; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --card: #151b23; --line: #3d444d; --accent: #238636; --warn-bg: #3b2e00; --warn-fg: #f2cc60; --err: #f85149; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { width: min(30rem, calc(100vw - 2rem)); margin: 2rem 0; padding: 1.5rem; background: var(--card); border: 1px solid var(--line); border-radius: 12px; }
h1 { font-size: 1.35rem; margin: 0 0 .25rem; font-weight: 500; word-break: break-word; }
h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 1.25rem 0 .5rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; word-break: break-all; }
.banner { margin: 0 0 1rem; padding: .5rem .75rem; border-radius: 6px; background: var(--warn-bg); color: var(--warn-fg); font-weight: 600; text-align: center; }
.muted { color: var(--muted); }
.small { font-size: .85rem; margin: .4rem 0 0; }
.error { padding: .5rem .75rem; border: 1px solid var(--err); border-radius: 6px; color: var(--err); }
ul { list-style: none; margin: 0; padding: 0; }
.scopes li { padding: .15rem 0; }
.accounts li + li { margin-top: .5rem; }
button { font: inherit; cursor: pointer; border-radius: 6px; }
.account { width: 100%; display: flex; align-items: center; gap: .75rem; padding: .6rem .75rem; text-align: left; color: inherit; background: transparent; border: 1px solid var(--line); }
.account:hover, .account:focus-visible { border-color: var(--accent); }
.avatar { flex: none; width: 2.25rem; height: 2.25rem; border-radius: 50%; display: grid; place-items: center; color: #fff; font-weight: 600; }
.who { display: flex; flex-direction: column; min-width: 0; }
.who .muted { font-size: .85rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.other { margin-top: 1.25rem; }
.other label { display: block; font-weight: 500; margin-bottom: .4rem; }
.row { display: flex; gap: .5rem; }
.row input { flex: 1; min-width: 0; font: inherit; padding: .45rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: transparent; color: inherit; }
.row button, .secondary { padding: .45rem 1rem; border: 1px solid var(--line); }
.row button { background: var(--accent); border-color: var(--accent); color: #fff; }
.secondary { margin-top: 1.25rem; width: 100%; background: transparent; color: inherit; }
`;

function htmlPage(status: number, title: string, body: SafeHtml): Response {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${{ html: PAGE_STYLE }}</style>
</head>
<body>
<main>${body}</main>
</body>
</html>
`;
  return new Response(page.html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-frame-options": "deny",
      // No form-action: browsers apply it to the redirect that follows a form post.
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    },
  });
}
