// The local stack behind `npm run dev` and `npm run e2e`: the Worker under `wrangler dev`, the GitHub
// stand-in (test/doubles/fake-github.ts served from this process), the Spotlight sidecar and the
// dashboard page that reads it (scripts/dashboard).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv, stripVTControlCharacters } from "node:util";
import { loadFakeGitHub } from "./doubles.mjs";
import { serveFetch, waitForHttp } from "./http.mjs";
import { startChild } from "./processes.mjs";
import { startSymbolicatingForwarder } from "./symbolicate.mjs";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The stand-in's OAuth app. Not secrets: the stand-in accepts only these and runs on loopback. */
export const STAND_IN_CLIENT = { id: "local-dev-client", secret: "local-dev-secret" };

/** Keys a developer may set in the shell instead of .dev.vars; passed on to the Worker. */
const FORWARDED_KEYS = [
  "GITHUB_CLIENT_ID",
  "GITHUB_CLIENT_SECRET",
  "GITHUB_WEB_URL",
  "GITHUB_API_URL",
  "SENTRY_DSN",
  "PUBLIC_URL",
];

/** The non-empty keys of .dev.vars (values are wrangler's to read; only presence matters here). */
export function devVarsKeys(root = ROOT) {
  const path = join(root, ".dev.vars");
  if (!existsSync(path)) return new Set();
  // The same dotenv syntax wrangler reads, parsed by Node's own parser.
  const values = parseEnv(readFileSync(path, "utf8"));
  return new Set(Object.keys(values).filter((key) => values[key].trim() !== ""));
}

/**
 * What the developer configured, from the shell environment and .dev.vars. Shell values win, as
 * they are passed to wrangler with --var, which overrides .dev.vars.
 */
export function detectConfig(env = process.env, root = ROOT) {
  const fromFile = devVarsKeys(root);
  const forwarded = {};
  for (const key of FORWARDED_KEYS) {
    const value = env[key]?.trim();
    if (value) forwarded[key] = value;
  }
  const has = (key) => key in forwarded || fromFile.has(key);
  const realGitHub = has("GITHUB_CLIENT_ID");
  // With the stand-in, GitHub's addresses and credentials are the stand-in's, whatever the shell says.
  if (!realGitHub) {
    for (const key of Object.keys(forwarded)) if (key.startsWith("GITHUB_")) delete forwarded[key];
  }
  return { forwarded, realGitHub, sentryDsn: has("SENTRY_DSN") };
}

/** Removes terminal colour codes (and any other escape sequence), for output that goes to a file or a pipe. */
export const stripAnsi = stripVTControlCharacters;

/**
 * The environment wrangler runs with: no metrics, no crash reports, no downloads. Its output is
 * piped through us, so colour is decided here: on for a terminal, off for a log file.
 */
export function wranglerEnv(base = process.env, { color = false } = {}) {
  const { NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...rest } = base;
  return {
    ...rest,
    ...(color ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" }),
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    DO_NOT_TRACK: "1",
    // request.cf comes from a file fetched from Cloudflare; offline, use wrangler's built-in default.
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
  };
}

/**
 * The stack, not started yet: `start()` resolves with `{ urls, github }` once the Worker answers;
 * `stop()` may be called at any moment, during `start()` too, and stops whatever is running.
 * `died` resolves with a message when a child exits on its own. Options:
 *   ports: { worker, github, spotlight, dashboard, inspector }   (github/spotlight/dashboard only when used)
 *   standIn: serve the GitHub stand-in, point the Worker at it, keep Worker state for this run only
 *   spotlight: start the Spotlight sidecar and point the Worker's SENTRY_SPOTLIGHT at it
 *   dashboard: serve the live panels and alerts page, fed by that sidecar (needs `spotlight`)
 *   vars: extra Worker vars (KEY -> value), passed with --var after everything else
 *   isolated: ignore the developer's .dev.vars and .env (the e2e run must not depend on them)
 *   color: let wrangler colour its output (it is piped, so it cannot tell a terminal itself)
 *   wranglerConfig: another wrangler config than ./wrangler.jsonc (the conformance profile's)
 *   log(source, line): where child output goes
 */
export function createStack({
  ports,
  standIn,
  spotlight,
  dashboard = false,
  vars = {},
  isolated = false,
  color = false,
  wranglerConfig,
  log,
  readyTimeoutMs = 120_000,
}) {
  const children = [];
  const closers = [];
  let scratch;
  let stopping = false;
  let resolveDied;
  const died = new Promise((resolve) => {
    resolveDied = resolve;
  });

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(children.map((child) => child.stop()));
    for (const close of closers.reverse()) await close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
  const spawn = (name, args, options) => {
    if (stopping) throw new Error("the stack was stopped while it started");
    const child = startChild(name, process.execPath, args, { cwd: ROOT, ...options });
    children.push(child);
    child.exited.then(({ code, signal }) => {
      if (!stopping) resolveDied(`${child.name} exited (${signal ?? `code ${code}`})`);
    });
    return child;
  };

  const start = async () => {
    scratch = mkdtempSync(join(tmpdir(), "observable-mcp-"));
    // The stand-in forgets its tokens when it stops, so grants stored by an earlier run would only
    // produce 401s: with the stand-in, OAuth and Durable Object state live for one run. With real
    // GitHub, wrangler's usual .wrangler/state keeps sign-ins across restarts.
    const persistDir = standIn ? join(scratch, "state") : undefined;
    if (persistDir) mkdirSync(persistDir);
    // wrangler reads .dev.vars (or .env) unless it is given --env-file; an empty one reads nothing.
    const envFile = isolated ? join(scratch, "no-dev-vars.env") : undefined;
    if (envFile) writeFileSync(envFile, "");

    const urls = {
      worker: `http://localhost:${ports.worker}`,
      mcp: `http://localhost:${ports.worker}/mcp`,
      sse: `http://localhost:${ports.worker}/sse`,
    };
    const workerVars = { ENVIRONMENT: "development" };

    let github;
    if (standIn) {
      // One origin for the web flow and, GitHub Enterprise style, the API under /api/v3.
      const origin = `http://127.0.0.1:${ports.github}`;
      urls.githubWeb = origin;
      urls.githubApi = `${origin}/api/v3`;
      const createFakeGitHub = await loadFakeGitHub();
      github = createFakeGitHub({
        webOrigin: urls.githubWeb,
        apiBase: urls.githubApi,
        clientId: STAND_IN_CLIENT.id,
        clientSecret: STAND_IN_CLIENT.secret,
      });
      const served = await serveFetch((request) => github.fetch(request), { port: ports.github });
      closers.push(served.close);
      Object.assign(workerVars, {
        GITHUB_WEB_URL: urls.githubWeb,
        GITHUB_API_URL: urls.githubApi,
        GITHUB_CLIENT_ID: STAND_IN_CLIENT.id,
        GITHUB_CLIENT_SECRET: STAND_IN_CLIENT.secret,
      });
    }

    if (spotlight) {
      urls.spotlight = `http://localhost:${ports.spotlight}`;
      const sidecar = spawn("spotlight", [join(ROOT, "scripts/spotlight.mjs"), String(ports.spotlight)], {
        onLine: (line) => log("spotlight", line),
      });
      await waitForHttp(`${urls.spotlight}/health`, { timeoutMs: 30_000, isDead: sidecar.isDead });
      // The Worker's envelopes pass through a forwarder that maps their stack frames from the dev
      // bundle to src/ (scripts/lib/symbolicate.mjs), then reach the sidecar's /stream.
      const forwarder = await startSymbolicatingForwarder(`${urls.spotlight}/stream`);
      closers.push(forwarder.close);
      workerVars.SENTRY_SPOTLIGHT = `${forwarder.url}/stream`;
    }

    if (dashboard) {
      if (!spotlight)
        throw new Error("the dashboard reads Spotlight's stream: start the stack with spotlight");
      urls.dashboard = `http://127.0.0.1:${ports.dashboard}`;
      const page = spawn(
        "dashboard",
        [join(ROOT, "scripts/dashboard/main.mjs"), String(ports.dashboard), urls.spotlight],
        { onLine: (line) => log("dashboard", line) },
      );
      await waitForHttp(`${urls.dashboard}/health`, { timeoutMs: 30_000, isDead: page.isDead });
    }

    Object.assign(workerVars, vars);
    const args = [
      join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      ...(wranglerConfig ? ["--config", wranglerConfig] : []),
      "--port",
      String(ports.worker),
      "--inspector-port",
      String(ports.inspector),
      "--show-interactive-dev-session=false",
      ...(persistDir ? ["--persist-to", persistDir] : []),
      ...(envFile ? ["--env-file", envFile] : []),
    ];
    for (const [key, value] of Object.entries(workerVars)) args.push("--var", `${key}:${value}`);
    // The stand-in's credentials also go in the environment, where wrangler's check of the secrets
    // wrangler.jsonc requires looks for them when there is no .dev.vars (a --var is not counted).
    const secrets = standIn
      ? { GITHUB_CLIENT_ID: STAND_IN_CLIENT.id, GITHUB_CLIENT_SECRET: STAND_IN_CLIENT.secret }
      : {};
    const worker = spawn("worker", args, {
      env: wranglerEnv({ ...process.env, ...secrets }, { color }),
      onLine: (line) => log("worker", line),
    });
    await waitForHttp(`${urls.worker}/`, { timeoutMs: readyTimeoutMs, isDead: worker.isDead });
    return { urls, github };
  };

  return { start, stop, died };
}
