#!/usr/bin/env node
/**
 * Benchmark: what telemetry costs. Prints numbers, asserts nothing; the budgets are judged by a person.
 *
 *   1. tools/call latency with telemetry ON (SENTRY_DSN to a local sink, 100% sampling) vs OFF (no DSN),
 *      in a row and under concurrent load, alternating blocks between two Worker instances.
 *   1b. OTLP export (issue 12): sequential calls rotating over OFF, Sentry only, OTLP only, and Sentry and
 *      OTLP (to an in-process OTLP receiver); OTLP requests and wire bytes per call, p50/p95 against OFF
 *      and against Sentry only.
 *   2. Envelopes and bytes the sink receives per tool call, by item type, apart from sign-in and session set-up.
 *   3. The Worker bundle, gzipped, and what it is made of.
 *   4. workerd RSS over many tool calls with telemetry on (and, as baselines, off and a trivial Worker with
 *      and without a Durable Object), each in a fresh process; `--heap-snapshots` adds V8's heap of the
 *      isolate and diffs two heap snapshots through workerd's inspector (on loopback).
 *   5. Calls per second at `--sessions` concurrent sessions over `--throughput-seconds`: ON, OFF, OFF built
 *      without Sentry's two wrappers, and the trivial Workers (the host's floor); a new session
 *      (initialize + first call) against a warm call.
 *   6. A 5 MiB README read as a resource (cut by the reply bound): its round trip, against a 1 s budget.
 *
 * The Worker is the bundle `wrangler deploy --dry-run` produces, run in Miniflare from this process. Its
 * outbound fetches go to the fake GitHub and the Sentry envelope sink from test/doubles; nothing leaves
 * the machine. Sign-in is the real OAuth flow over HTTP; MCP traffic is the real SDK client.
 *
 *   node scripts/bench.mjs [--quick] [--calls N] [--concurrency N] [--block N] [--envelope-calls N]
 *                          [--soak N] [--soak-every N] [--skip-soak] [--skip-soak-control] [--skip-bundle]
 *                          [--skip-latency] [--skip-otlp] [--skip-envelopes] [--skip-large-reply] [--timeout MINUTES]
 *                          [--sessions N] [--throughput-seconds S] [--cold N] [--heap-snapshots]
 *
 * `--quick` is the CI size (a minute or two): fewer calls, no soak, no 32-session run, no minified build. It
 * reports; like every run it exits 0 whatever the figures, because shared machines are noisy.
 * The run ends with one line per budget (figure, budget, within/over, the run's conditions), then one
 * JSON object with every number.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync, constants as zlibConstants } from "node:zlib";
import { workerRuntimeOptions } from "./lib/bundle.mjs";
import { signIn as signInOverHttp } from "./lib/oauth.mjs";
import { runChecked } from "./lib/processes.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ORIGIN = "https://bench.test";
const GITHUB_WEB = "http://github.test";
const GITHUB_API = "http://api.github.test";
const GITHUB_CLIENT_ID = "bench-github-client";
const GITHUB_CLIENT_SECRET = "bench-github-secret";
const SENTRY_ORIGIN = "http://sentry.test";
const SENTRY_DSN = "http://public@sentry.test/1";
const OTLP_ORIGIN = "http://otlp.test";
const LOGIN = "octocat";
const BUDGET = {
  p50OverheadPct: 5,
  p95OverheadPct: 10,
  envelopesPerCall: 1,
  bytesPerCall: 3 * 1024,
  bundleGzipKiB: 560,
  soakGrowthPct: 10,
  throughputRatio: 0.95,
  coldRatio: 2.5,
  bareWrapperRatio: 0.95,
  hostFloorRatio: 0.25,
  largeReplyMaxMs: 1000,
};
const LARGE_README_BYTES = 5 * 1024 * 1024;
const LARGE_REPLY_READS = 10;
// The fake GitHub allows 5,000 core API calls per token per hour, as GitHub does. A session signs in
// again (outside any timed region) before it gets near that, so no call is rate limited.
const CALLS_PER_GRANT = 4_000;
const CALL_TIMEOUT_MS = 30_000;
const HTTP_TIMEOUT_MS = 15_000;
const WHOAMI = { name: "whoami", arguments: {} };
const GET_ISSUE = { name: "get_issue", arguments: { owner: "octocat", repo: "hello-world", number: 1 } };

// ---- flags -------------------------------------------------------------------------------------------

// Full-run and --quick defaults; a flag given explicitly wins over either.
const SIZES = {
  calls: ["1000", "200"],
  concurrency: ["8", "4"],
  block: ["50", "25"],
  "envelope-calls": ["200", "30"],
  soak: ["5000", "0"],
  sessions: ["32", "0"],
  "throughput-seconds": ["60", "60"],
  cold: ["20", "10"],
};

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "sample-rate": { type: "string", default: "1" },
    calls: { type: "string" },
    concurrency: { type: "string" },
    block: { type: "string" },
    "envelope-calls": { type: "string" },
    soak: { type: "string" },
    "soak-every": { type: "string" },
    sessions: { type: "string" },
    "throughput-seconds": { type: "string" },
    cold: { type: "string" },
    "skip-soak": { type: "boolean", default: false },
    "skip-soak-control": { type: "boolean", default: false },
    "heap-snapshots": { type: "boolean", default: false },
    "skip-bundle": { type: "boolean", default: false },
    "skip-latency": { type: "boolean", default: false },
    "skip-otlp": { type: "boolean", default: false },
    "skip-envelopes": { type: "boolean", default: false },
    "skip-large-reply": { type: "boolean", default: false },
    timeout: { type: "string", default: "30" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (flags.help) {
  console.log(`usage: node scripts/bench.mjs [flags]
  --sample-rate R     SENTRY_TRACES_SAMPLE_RATE of the telemetry-ON Worker                 [1]
  --quick             CI size: 200 calls, 4 sessions, blocks of 25, 30 envelope calls, no soak,
                      no minified comparison build (explicit flags still win)
  --calls N           tools/call per mode (ON, OFF) and per shape (in a row, concurrent)  [1000]
  --concurrency N     concurrent MCP sessions for the "under load" shape and the soak     [8]
  --block N           calls per alternating ON/OFF block (split over the sessions)        [50]
  --envelope-calls N  warm calls per tool in the envelope count                           [200]
  --soak N            tool calls with telemetry on for the memory series                  [5000]
  --soak-every N      RSS sample interval in calls                                        [soak/20]
  --skip-soak-control do not repeat the soak on the telemetry-OFF Worker as a baseline
  --heap-snapshots    soak with workerd's inspector on loopback: V8 heap beside RSS, and a heap
                      snapshot after 1,000 calls and at the end, diffed by constructor
  --sessions N        concurrent sessions for the throughput run (ON, OFF, OFF without Sentry's
                      wrappers, and two trivial Workers as the host's floor); 0 skips it  [32; --quick 0]
  --throughput-seconds S  seconds of calls per Worker in that run, in alternating windows [60]
  --cold N            new sessions (initialize + first call) timed against warm calls    [20; --quick 10]
  --skip-soak, --skip-bundle (size report only; the Worker is always built), --skip-latency, --skip-otlp, --skip-envelopes,
  --skip-large-reply
  --timeout MINUTES   give up after this long                                             [30]`);
  process.exit(0);
}

const QUICK = flags.quick;
for (const [name, [full, quick]] of Object.entries(SIZES)) flags[name] ??= QUICK ? quick : full;
if (QUICK) {
  flags["skip-soak"] = true;
}

function count(name, min = 1) {
  if (name === "soak" && flags["skip-soak"]) return 0;
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be a whole number >= ${min}, got ${flags[name]}`);
    process.exit(2);
  }
  return value;
}

const SAMPLE_RATE = Number(flags["sample-rate"]);
if (!(SAMPLE_RATE >= 0 && SAMPLE_RATE <= 1)) {
  console.error(`--sample-rate must be between 0 and 1, got ${flags["sample-rate"]}`);
  process.exit(2);
}
const CALLS = count("calls");
const CONCURRENCY = count("concurrency");
const BLOCK = count("block");
const ENVELOPE_CALLS = count("envelope-calls");
const SOAK = count("soak");
const SOAK_EVERY = flags["soak-every"] ? count("soak-every") : Math.max(50, Math.round((SOAK || 1000) / 20));
const TIMEOUT_MIN = count("timeout");
const SESSIONS = count("sessions", 0);
const THROUGHPUT_SECONDS = count("throughput-seconds");
const COLD = count("cold", 0);

// ---- lifecycle: everything started here is stopped here -------------------------------------------

const cleanups = [];
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch {
        // best effort: the rest must still run
      }
    }
  })();
  return cleaning;
}
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping`);
    cleanup().finally(() => process.exit(code));
  });
}
const watchdog = setTimeout(() => {
  console.error(`bench: gave up after ${TIMEOUT_MIN} minutes (--timeout)`);
  cleanup().finally(() => process.exit(3));
}, TIMEOUT_MIN * 60_000);
watchdog.unref();

const work = mkdtempSync(join(tmpdir(), "observable-mcp-bench-"));
const removeWork = () => rmSync(work, { recursive: true, force: true });
cleanups.push(removeWork);
// Miniflare's own SIGINT/SIGTERM hook stops workerd and exits at once, before async cleanup can finish;
// what must not outlive us is undone synchronously on exit as well.
const exitHooks = [removeWork];
process.on("exit", () => {
  for (const hook of exitHooks) {
    try {
      hook();
    } catch {
      // exiting anyway
    }
  }
});

const started = performance.now();
const log = (message) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// ---- build ----------------------------------------------------------------------------------------

/** Runs a build step to its end (scripts/lib/processes.mjs): its output, or an error that quotes it. */
async function run(command, args, options = {}) {
  const { stdout, stderr } = await runChecked(command, args, { cwd: ROOT, ...options });
  return `${stdout}\n${stderr}`;
}

/**
 * `wrangler deploy --dry-run` into a temporary directory: exactly what a deploy would upload. `bare`
 * builds the same code with `Sentry.withSentry` and `instrumentDurableObjectWithSentry` made identity
 * functions (the rest of the SDK untouched), to measure what the wrappers cost with no DSN.
 */
async function buildWorker({ minify = false, bare = false } = {}) {
  const name = bare ? "worker-bare" : minify ? "worker-minified" : "worker";
  const outdir = join(work, name);
  const metafile = join(work, `bundle-meta-${name}.json`);
  const wrangler = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const output = await run(
    process.execPath,
    [
      wrangler,
      "deploy",
      "--dry-run",
      "--outdir",
      outdir,
      `--metafile=${metafile}`,
      ...(minify ? ["--minify"] : []),
      ...(bare ? ["--config", await bareSentryConfig()] : []),
    ],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" } },
  );
  const reported = /Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/.exec(output);
  return {
    outdir,
    metafile,
    script: join(outdir, "index.js"),
    wranglerReported: reported ? { rawKiB: Number(reported[1]), gzipKiB: Number(reported[2]) } : null,
  };
}

/**
 * A wrangler config beside the build, made from wrangler.jsonc, whose only change is one more alias:
 * `@sentry/cloudflare` becomes the real SDK with its two wrappers passing the handler and the class through.
 */
async function bareSentryConfig() {
  const { experimental_readRawConfig } = await import("wrangler");
  const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, "wrangler.jsonc") });
  const { $schema: _schema, ...production } = rawConfig;
  const sdk = join(ROOT, "node_modules", "@sentry", "cloudflare", "build", "esm", "prod", "index.js");
  const stub = join(work, "sentry-without-wrappers.mjs");
  writeFileSync(
    stub,
    `export * from ${JSON.stringify(sdk)};
export const withSentry = (_options, handler) => handler;
export const instrumentDurableObjectWithSentry = (_options, DurableObjectClass) => DurableObjectClass;
`,
  );
  const absolute = (path) => (path.startsWith(".") ? join(ROOT, path) : path);
  const config = join(work, "wrangler-bare.json");
  writeFileSync(
    config,
    JSON.stringify({
      ...production,
      main: resolve(ROOT, production.main),
      alias: {
        ...Object.fromEntries(Object.entries(production.alias ?? {}).map(([k, v]) => [k, absolute(v)])),
        "@sentry/cloudflare": stub,
      },
    }),
  );
  return config;
}

function gzipSizes(file) {
  const code = readFileSync(file);
  return {
    code,
    gz9: gzipSync(code, { level: 9 }).byteLength,
    gz6: gzipSync(code, { level: zlibConstants.Z_DEFAULT_COMPRESSION }).byteLength,
  };
}

function bundleReport(build, minified) {
  const { code, gz9, gz6 } = gzipSizes(build.script);
  const otherFiles = readdirSync(build.outdir).filter(
    (name) => name !== "index.js" && !name.endsWith(".map"),
  );
  const byPackage = new Map();
  try {
    const meta = JSON.parse(readFileSync(build.metafile, "utf8"));
    const output = Object.entries(meta.outputs).find(([path]) => path.endsWith("index.js"))?.[1];
    for (const [path, input] of Object.entries(output?.inputs ?? {})) {
      const key = packageOf(path);
      byPackage.set(key, (byPackage.get(key) ?? 0) + input.bytesInOutput);
    }
  } catch (error) {
    log(`no metafile breakdown: ${error.message}`);
  }
  const total = code.byteLength;
  const top = [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([name, bytes]) => ({ name, kib: kib(bytes), pct: round((bytes / total) * 100, 1) }));
  const min = minified ? gzipSizes(minified.script) : undefined;
  return {
    rawKiB: kib(total),
    gzip9KiB: kib(gz9),
    gzipDefaultKiB: kib(gz6),
    wranglerReported: build.wranglerReported,
    // Not what deploys today (wrangler.jsonc does not set minify); shown because it moves the number most.
    ifMinified: min
      ? { rawKiB: kib(min.code.byteLength), gzip9KiB: kib(min.gz9), gzipDefaultKiB: kib(min.gz6) }
      : undefined,
    otherFiles,
    budgetGzipKiB: BUDGET.bundleGzipKiB,
    top,
  };
}

function packageOf(path) {
  const at = path.lastIndexOf("node_modules/");
  if (at === -1) return path.startsWith("src/") ? "src/ (this project)" : path;
  const rest = path.slice(at + "node_modules/".length).split("/");
  return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? path);
}

async function buildDoubles() {
  const { build } = await import("esbuild");
  // Inside the project, so the OTLP receiver's require of opentelemetry-proto resolves from node_modules.
  const outfile = join(ROOT, "node_modules", ".cache", `bench-doubles-${process.pid}.mjs`);
  cleanups.push(() => rmSync(outfile, { force: true }));
  const doubles = join(ROOT, "test", "doubles");
  await build({
    stdin: {
      contents: `export { createFakeGitHub } from ${JSON.stringify(join(doubles, "fake-github.ts"))};
export { createSentrySink } from ${JSON.stringify(join(doubles, "sentry-sink.ts"))};
export { createOtlpReceiver } from ${JSON.stringify(join(doubles, "otlp-receiver.ts"))};`,
      resolveDir: doubles,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile,
    logLevel: "error",
  });
  return import(pathToFileURL(outfile).href);
}

// ---- the Worker in Miniflare -------------------------------------------------------------------------

/** Child processes of this one named workerd, by pid. */
function workerdChildren() {
  const pids = new Set();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === process.pid && name.startsWith("workerd")) pids.add(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return pids;
}

/** A process's resident memory from /proc/<pid>/status, in KiB: all of it, and the anonymous part (heaps). */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field("VmRSS"), anonKiB: field("RssAnon"), fileKiB: field("RssFile") };
}

async function startWorker(miniflare, build, base, { telemetry, github, sink, inspectorPort, otlp }) {
  const { Miniflare, convertV4MiniflareOptions } = miniflare;
  // This Miniflare takes its classic (v4) option shape through convertV4MiniflareOptions.
  const options = convertV4MiniflareOptions({
    modules: true,
    scriptPath: build.script,
    modulesRoot: build.outdir,
    compatibilityDate: base.compatibilityDate,
    compatibilityFlags: base.compatibilityFlags,
    durableObjects: base.durableObjects,
    kvNamespaces: base.kvNamespaces,
    ...(base.versionMetadata ? { versionMetadata: base.versionMetadata } : {}),
    bindings: {
      ...base.vars,
      ENVIRONMENT: "test",
      GITHUB_WEB_URL: GITHUB_WEB,
      GITHUB_API_URL: GITHUB_API,
      GITHUB_CLIENT_ID,
      GITHUB_CLIENT_SECRET,
      PUBLIC_URL: "",
      SENTRY_TRACES_SAMPLE_RATE: String(SAMPLE_RATE),
      SENTRY_DSN: telemetry ? SENTRY_DSN : "",
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp ? OTLP_ORIGIN : "",
    },
    outboundService: (request) => {
      if (github.handles(request)) return github.fetch(request);
      if (sink.handles(request)) return sink.fetch(request);
      if (otlp?.handles(request)) return otlp.fetch(request);
      return new Response(`bench outbound blocked: ${new URL(request.url).origin}`, { status: 599 });
    },
    // No MCP_RATE_LIMITER binding: the bench makes thousands of calls as one user, and without the
    // binding the server applies no limit.
    // The server's logger writes one JSON line per call to the console; keep them off our output.
    handleStructuredLogs: () => {},
    ...(inspectorPort ? { inspectorPort, inspectorHost: "127.0.0.1" } : {}),
  });
  const { mf, pid, stop } = await launch(Miniflare, options);
  return { mf, pid, telemetry, sink, otlp, stop, inspectorPort, name: telemetry ? "on" : "off" };
}

/** Starts Miniflare, stopped at cleanup; its workerd process is the child that was not there before. */
async function launch(Miniflare, options) {
  const before = workerdChildren();
  const mf = new Miniflare(options);
  let stopping;
  const stop = () => {
    stopping ??= mf.dispose();
    return stopping;
  };
  cleanups.push(stop);
  await mf.ready;
  const pid = [...workerdChildren()].find((p) => !before.has(p));
  return { mf, pid, stop };
}

// ---- OAuth sign-in over HTTP, as a browser and an MCP client would --------------------------------------

/** The real OAuth flow (scripts/lib/oauth.mjs), its hops dispatched into Miniflare and the fake GitHub. */
async function signIn(worker, github) {
  const fetcher = async (request) => {
    if (new URL(request.url).origin !== ORIGIN) return github.fetch(request);
    const body =
      request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    return worker.mf.dispatchFetch(request.url, {
      method: request.method,
      headers: request.headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  };
  const { accessToken } = await signInOverHttp(ORIGIN, { login: LOGIN, clientName: "bench", fetch: fetcher });
  return accessToken;
}

// ---- MCP sessions --------------------------------------------------------------------------------------

async function loadMcp() {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await import(
    "@modelcontextprotocol/sdk/client/streamableHttp.js"
  );
  return { Client, StreamableHTTPClientTransport };
}

/** One MCP client session on one Worker. It signs in again, untimed, before its GitHub grant runs dry. */
class Session {
  constructor(worker, github, mcp) {
    this.worker = worker;
    this.github = github;
    this.mcp = mcp;
    this.client = undefined;
    this.transport = undefined;
    this.callsLeft = 0;
    this.grants = 0;
  }

  async signIn() {
    this.token = await signIn(this.worker, this.github);
    this.callsLeft = CALLS_PER_GRANT;
    this.grants += 1;
  }

  async initialize() {
    const { Client, StreamableHTTPClientTransport } = this.mcp;
    const token = this.token;
    const mf = this.worker.mf;
    const fetchViaMiniflare = (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${token}`);
      return mf.dispatchFetch(String(input instanceof URL ? input.href : input), { ...init, headers });
    };
    this.client = new Client({ name: "bench", version: "0.0.0" }, { capabilities: {} });
    this.client.onerror = () => {};
    this.transport = new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), { fetch: fetchViaMiniflare });
    await this.client.connect(this.transport, { timeout: CALL_TIMEOUT_MS });
  }

  async open() {
    await this.signIn();
    await this.initialize();
    return this;
  }

  listTools() {
    return this.client.listTools(undefined, { timeout: CALL_TIMEOUT_MS });
  }

  /** One tools/call; returns its round trip in ms, or throws. Re-signing in is not part of the time. */
  async call(tool) {
    if (this.callsLeft <= 0) {
      await this.close();
      await this.open();
    }
    this.callsLeft -= 1;
    const t0 = performance.now();
    const result = await this.client.callTool(tool, undefined, { timeout: CALL_TIMEOUT_MS });
    const ms = performance.now() - t0;
    if (result.isError) {
      const text = (result.content ?? []).map((part) => part.text ?? "").join(" ");
      throw new Error(`${tool.name} returned an error: ${text.slice(0, 200)}`);
    }
    return ms;
  }

  async close() {
    const { client, transport } = this;
    this.client = undefined;
    this.transport = undefined;
    if (!client) return;
    try {
      await transport.terminateSession();
    } catch {
      // the server may not support DELETE; closing is enough
    }
    await client.close().catch(() => {});
  }
}

async function openSessions(worker, github, mcp, n) {
  const sessions = [];
  for (let i = 0; i < n; i += 1) {
    const session = await new Session(worker, github, mcp).open();
    sessions.push(session);
    cleanups.push(() => session.close());
  }
  return sessions;
}

/** Runs `calls` tool calls on each session at once; collects each round trip into `into`. */
async function burst(sessions, calls, tool, into, errors) {
  await Promise.all(
    sessions.map(async (session) => {
      for (let i = 0; i < calls; i += 1) {
        try {
          into.push(await session.call(tool));
        } catch (error) {
          errors.push(error.message);
          if (errors.length > 20) throw new Error(`too many failed calls; first: ${errors[0]}`);
        }
      }
    }),
  );
}

/** Waits until the sink has received nothing new for `quietMs` (at most `capMs`). */
async function settle(sink, quietMs, capMs = 10_000) {
  const deadline = Date.now() + capMs;
  let seen = sink.envelopes().length;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(Math.min(25, quietMs));
    const now = sink.envelopes().length;
    if (now !== seen) {
      seen = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) return true;
  }
  return false;
}

// ---- statistics --------------------------------------------------------------------------------------

function round(value, digits = 2) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
const kib = (bytes) => round(bytes / 1024, 1);

function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 0.5), 3),
    p95: round(percentile(sorted, 0.95), 3),
    p99: round(percentile(sorted, 0.99), 3),
    mean: round(mean, 3),
  };
}

function compare(on, off) {
  const ratio = (a, b) => round(a / b, 3);
  const pct = (a, b) => round((a / b - 1) * 100, 1);
  return {
    p50Ratio: ratio(on.p50, off.p50),
    p50Pct: pct(on.p50, off.p50),
    p95Ratio: ratio(on.p95, off.p95),
    p95Pct: pct(on.p95, off.p95),
    meanPct: pct(on.mean, off.mean),
  };
}

// ---- 1. latency ON vs OFF ------------------------------------------------------------------------------

async function latency(workers, sessionsByWorker, shape) {
  const concurrent = shape === "concurrent";
  const samples = { on: [], off: [] };
  const errors = { on: [], off: [] };
  const wallMs = { on: 0, off: 0 };
  let onEnvelopes = 0;
  const perSession = concurrent ? Math.max(1, Math.round(BLOCK / CONCURRENCY)) : BLOCK;
  const perBlock = concurrent ? perSession * CONCURRENCY : BLOCK;
  const blocks = Math.max(2, Math.ceil(CALLS / perBlock));
  // Warm both, untimed: JIT, DO wake-up, first GitHub fetch.
  for (const name of ["off", "on"]) {
    const sessions = concurrent ? sessionsByWorker[name] : sessionsByWorker[name].slice(0, 1);
    await burst(sessions, concurrent ? 5 : 50, WHOAMI, [], errors[name]);
  }
  await settle(workers.on.sink, 100);
  for (let b = 0; b < blocks; b += 1) {
    // ABBA order: neither mode always goes first after a pause.
    const order = b % 4 === 0 || b % 4 === 3 ? ["on", "off"] : ["off", "on"];
    for (const name of order) {
      const sessions = concurrent ? sessionsByWorker[name] : sessionsByWorker[name].slice(0, 1);
      const sink = workers[name].sink;
      const before = sink.envelopes().length;
      const t0 = performance.now();
      await burst(sessions, perSession, WHOAMI, samples[name], errors[name]);
      wallMs[name] += performance.now() - t0;
      // Let the ON Worker's envelopes drain so they do not land in the OFF block's time.
      await settle(sink, 30, 2_000);
      if (name === "on") onEnvelopes += sink.envelopes().length - before;
    }
  }
  const on = summary(samples.on);
  const off = summary(samples.off);
  return {
    shape,
    sessions: concurrent ? CONCURRENCY : 1,
    blocks,
    callsPerBlock: perBlock,
    on,
    off,
    ...compare(on, off),
    throughput: {
      on: round((samples.on.length / wallMs.on) * 1000, 1),
      off: round((samples.off.length / wallMs.off) * 1000, 1),
    },
    errors: { on: errors.on.length, off: errors.off.length, first: errors.on[0] ?? errors.off[0] },
    onEnvelopesPerCall: round(onEnvelopes / (samples.on.length + errors.on.length), 3),
  };
}

// ---- 1b. OTLP export ON vs OFF -------------------------------------------------------------------------

/**
 * Sequential whoami calls in rotating blocks on four Workers: no telemetry, Sentry only, OTLP only,
 * and Sentry and OTLP; per call, the OTLP requests and wire bytes the receiver got, and p50/p95
 * against OFF and (for both) against Sentry only: what adding the OTLP leg costs.
 */
async function otlpCost(workers, sessionsByWorker) {
  const names = ["off", "on", "otlp", "both"];
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  const errors = Object.fromEntries(names.map((name) => [name, []]));
  const received = { otlp: { requests: 0, bytes: 0 }, both: { requests: 0, bytes: 0 } };
  for (const name of names) await burst(sessionsByWorker[name], 30, WHOAMI, [], errors[name]);
  const quiet = async (worker) => {
    await settle(worker.sink, 30, 2_000);
    if (worker.otlp) await settle({ envelopes: () => worker.otlp.requests() }, 30, 2_000);
  };
  for (const name of names) {
    await quiet(workers[name]);
    workers[name].otlp?.clear();
  }
  const blocks = Math.max(4, Math.ceil(CALLS / BLOCK));
  for (let b = 0; b < blocks; b += 1) {
    const order = [...names.slice(b % names.length), ...names.slice(0, b % names.length)];
    for (const name of order) {
      await burst(sessionsByWorker[name], BLOCK, WHOAMI, samples[name], errors[name]);
      await quiet(workers[name]);
      const receiver = workers[name].otlp;
      if (receiver) {
        for (const request of receiver.requests()) {
          received[name].requests += 1;
          received[name].bytes += request.bytes;
        }
        receiver.clear();
      }
    }
  }
  const off = summary(samples.off);
  const on = summary(samples.on);
  const row = (name) => {
    const s = summary(samples[name]);
    const calls = samples[name].length + errors[name].length;
    const overSentry = compare(s, on);
    return {
      ...s,
      ...compare(s, off),
      p50RatioOverSentry: overSentry.p50Ratio,
      p95RatioOverSentry: overSentry.p95Ratio,
      requestsPerCall: round((received[name]?.requests ?? 0) / calls, 3),
      bytesPerCall: round((received[name]?.bytes ?? 0) / calls, 1),
      errors: errors[name].length,
    };
  };
  return { blocks, callsPerBlock: BLOCK, off, on: row("on"), otlp: row("otlp"), both: row("both") };
}

function printOtlp(o) {
  console.log(
    `\n== 1b. OTLP export: sequential whoami, ${o.blocks} blocks of ${o.callsPerBlock} per Worker ==`,
  );
  console.log(`  OFF (no telemetry): p50 ${o.off.p50} ms, p95 ${o.off.p95} ms`);
  console.log(
    `  Sentry only: p50 ${o.on.p50} ms (${o.on.p50Ratio}x OFF), p95 ${o.on.p95} ms (${o.on.p95Ratio}x)`,
  );
  for (const [label, r] of [
    ["OTLP only", o.otlp],
    ["Sentry + OTLP", o.both],
  ]) {
    console.log(
      `  ${label}: p50 ${r.p50} ms (${r.p50Ratio}x OFF, ${r.p50RatioOverSentry}x Sentry only), ` +
        `p95 ${r.p95} ms (${r.p95Ratio}x OFF, ${r.p95RatioOverSentry}x Sentry only); ` +
        `${r.requestsPerCall} OTLP requests and ${r.bytesPerCall} B on the wire per call; ${r.errors} failed`,
    );
  }
}

// ---- 2. envelopes per call -------------------------------------------------------------------------------

function typeSlot(byType, type) {
  if (!byType[type]) byType[type] = { items: 0, bytes: 0, records: 0 };
  return byType[type];
}

function tally(list) {
  const byType = {};
  let bytes = 0;
  let spans = 0;
  let envelopesWithSpans = 0;
  const spanNames = {};
  const named = (name) => {
    const key = String(name ?? "?").slice(0, 70);
    spanNames[key] = (spanNames[key] ?? 0) + 1;
  };
  for (const envelope of list) {
    bytes += envelope.bytes;
    let hasSpans = false;
    for (const item of envelope.items) {
      const entry = typeSlot(byType, item.type);
      entry.items += 1;
      const body = typeof item.payload === "string" ? item.payload : JSON.stringify(item.payload);
      entry.bytes += Buffer.byteLength(JSON.stringify(item.header)) + Buffer.byteLength(body) + 2;
      const records = Array.isArray(item.payload?.items) ? item.payload.items.length : 1;
      entry.records += records;
      if (item.type === "span") {
        spans += records;
        hasSpans = true;
        for (const span of item.payload?.items ?? []) named(span.name);
      } else if (item.type === "transaction") {
        spans += 1 + (item.payload?.spans?.length ?? 0);
        hasSpans = true;
        named(item.payload?.transaction);
        for (const span of item.payload?.spans ?? []) named(span.description);
      }
    }
    if (hasSpans) envelopesWithSpans += 1;
  }
  return { envelopes: list.length, bytes, spans, envelopesWithSpans, byType, spanNames };
}

function perCall(t, calls) {
  const byType = {};
  for (const [type, entry] of Object.entries(t.byType)) {
    byType[type] = {
      items: round(entry.items / calls, 3),
      records: round(entry.records / calls, 3),
      bytes: Math.round(entry.bytes / calls),
    };
  }
  return {
    calls,
    envelopes: round(t.envelopes / calls, 3),
    bytes: Math.round(t.bytes / calls),
    spans: round(t.spans / calls, 3),
    spansPerEnvelope: t.envelopesWithSpans ? round(t.spans / t.envelopesWithSpans, 2) : 0,
    byType,
    spanNames: Object.fromEntries(
      Object.entries(t.spanNames ?? {})
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20)
        .map(([name, n]) => [name, round(n / calls, 3)]),
    ),
  };
}

async function envelopes(worker, github, mcp) {
  const { sink } = worker;
  const phases = [];
  const session = new Session(worker, github, mcp);
  cleanups.push(() => session.close());
  const phase = async (name, calls, body) => {
    await settle(sink, 500);
    const before = sink.envelopes().length;
    await body();
    const drained = await settle(sink, 1_500, 20_000);
    const t = tally(sink.envelopes().slice(before));
    phases.push({ name, calls, drained, total: t, per: calls ? perCall(t, calls) : undefined });
    return t;
  };
  await phase("sign-in (OAuth: register, authorize x2, callback, token)", 0, () => session.signIn());
  await phase("initialize (+ notifications/initialized)", 0, () => session.initialize());
  await phase("tools/list", 0, () => session.listTools());
  for (const tool of [WHOAMI, GET_ISSUE]) {
    await phase(`tools/call ${tool.name}`, ENVELOPE_CALLS, async () => {
      for (let i = 0; i < ENVELOPE_CALLS; i += 1) await session.call(tool);
    });
  }
  await phase("close (DELETE /mcp)", 0, () => session.close());
  const toolPhases = phases.filter((p) => p.calls > 0);
  const toolCalls = toolPhases.reduce((n, p) => n + p.calls, 0);
  const merge = (list) => {
    const sum = { envelopes: 0, bytes: 0, spans: 0, envelopesWithSpans: 0, byType: {}, spanNames: {} };
    for (const t of list) {
      for (const [name, n] of Object.entries(t.spanNames))
        sum.spanNames[name] = (sum.spanNames[name] ?? 0) + n;
      sum.envelopes += t.envelopes;
      sum.bytes += t.bytes;
      sum.spans += t.spans;
      sum.envelopesWithSpans += t.envelopesWithSpans;
      for (const [type, e] of Object.entries(t.byType)) {
        const into = typeSlot(sum.byType, type);
        into.items += e.items;
        into.bytes += e.bytes;
        into.records += e.records;
      }
    }
    return sum;
  };
  const setup = merge(phases.filter((p) => p.calls === 0).map((p) => p.total));
  return {
    phases: phases.map(({ name, calls, drained, total, per }) => ({
      name,
      calls,
      drained,
      envelopes: total.envelopes,
      bytes: total.bytes,
      spans: total.spans,
      byType: total.byType,
      ...(per ? { per } : {}),
    })),
    toolCall: perCall(merge(toolPhases.map((p) => p.total)), toolCalls),
    nonTool: { envelopes: setup.envelopes, bytes: setup.bytes, spans: setup.spans, byType: setup.byType },
    amortised: perCall(merge(phases.map((p) => p.total)), toolCalls),
    budget: { envelopesPerCall: BUDGET.envelopesPerCall, bytesPerCall: BUDGET.bytesPerCall },
  };
}

// ---- 4. memory soak --------------------------------------------------------------------------------------

/** `SOAK` whoami calls over `CONCURRENCY` sessions, sampling the workerd RSS every `SOAK_EVERY` completed calls. */
async function soak(worker, github, mcp) {
  // The trivial Worker has no sink: a stand-in that never receives anything.
  const sink = worker.sink ?? { envelopes: () => [], clear() {} };
  const sessions = await openAny(worker, github, mcp, CONCURRENCY);
  await settle(sink, 300);
  sink.clear();
  // With --heap-snapshots: V8's heap of the Worker's isolate beside each RSS sample, and a heap
  // snapshot after the first 1,000 calls and at the end, to tell our objects from workerd's own memory.
  const probe = worker.inspectorPort ? await inspect(worker.inspectorPort) : undefined;
  const sample = async (calls) => ({
    calls,
    ...memory(worker.pid),
    ...(probe ? { heapKiB: await probe.heapKiB() } : {}),
  });
  const series = [await sample(0)];
  let early;
  let issued = 0;
  let completed = 0;
  let nextSample = SOAK_EVERY;
  let envelopes = 0;
  let bytes = 0;
  const errors = [];
  const drainSink = () => {
    const list = sink.envelopes();
    envelopes += list.length;
    for (const envelope of list) bytes += envelope.bytes;
    sink.clear();
  };
  const t0 = performance.now();
  await Promise.all(
    sessions.map(async (session) => {
      while (issued < SOAK) {
        issued += 1;
        try {
          await session.call(WHOAMI);
        } catch (error) {
          errors.push(error.message);
          if (errors.length > 20) throw new Error(`soak: too many failed calls; first: ${errors[0]}`);
        }
        completed += 1;
        if (completed >= nextSample) {
          nextSample += SOAK_EVERY;
          series.push(await sample(completed));
          if (probe && !early && completed >= 1000) early = await probe.snapshot();
          // The sink lives in this process; keep only its counts so our own memory stays flat.
          drainSink();
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const session of sessions) await session.close();
  await settle(sink, 500);
  drainSink();
  const afterClose = memory(worker.pid);
  let heap;
  if (probe) {
    const late = await probe.snapshot();
    heap = early ? heapGrowth(early, late) : undefined;
    heap = { ...heap, endHeapKiB: await probe.heapKiB() };
    probe.close();
  }
  const values = series.map((p) => p.rssKiB);
  const first = series[1] ?? series[0];
  const last = series[series.length - 1];
  const mid = series[Math.floor((series.length - 1) / 2)];
  const mib = (k) => round(k / 1024, 1);
  return {
    worker: worker.name,
    trivial: Boolean(worker.trivial),
    pid: worker.pid,
    calls: completed,
    every: SOAK_EVERY,
    sessions: CONCURRENCY,
    grants: sessions.reduce((n, s) => n + s.grants, 0),
    seconds: round(seconds, 1),
    callsPerSecond: round(completed / seconds, 1),
    errors: errors.length,
    envelopesPerCall: round(envelopes / completed, 3),
    bytesPerCall: Math.round(bytes / completed),
    series,
    startMiB: mib(values[0]),
    firstSampleMiB: mib(first.rssKiB),
    peakMiB: mib(Math.max(...values)),
    endMiB: mib(last.rssKiB),
    afterCloseMiB: mib(afterClose.rssKiB),
    afterCloseAnonMiB: mib(afterClose.anonKiB),
    anonGrowthAfterFirstSampleMiB: mib(last.anonKiB - first.anonKiB),
    growthAfterFirstSampleMiB: mib(last.rssKiB - first.rssKiB),
    secondHalfGrowthMiB: mib(last.rssKiB - mid.rssKiB),
    secondHalfSlopeMiBPer1kCalls: round((slope(series.slice(series.indexOf(mid))) * 1000) / 1024, 2),
    ...(heap ? { heap } : {}),
  };
}

// ---- 4b. what holds the memory: the workerd inspector -------------------------------------------------

/** A TCP port nothing listens on right now, on loopback, for workerd's inspector. */
async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** A DevTools protocol session with the isolate that runs our Worker and its Durable Object. */
async function inspect(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets.find((t) => t.id.startsWith("core:user:"));
  if (!target) throw new Error(`no user Worker among the inspector's targets: ${targets.map((t) => t.id)}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((done, fail) => {
    ws.addEventListener("open", done, { once: true });
    ws.addEventListener("error", () => fail(new Error("inspector: could not connect")), { once: true });
  });
  let id = 0;
  const pending = new Map();
  let chunks = [];
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(message.params.chunk);
    else if (message.id && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((done) => {
      id += 1;
      pending.set(id, done);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    /** V8's used heap of the isolate, in KiB. */
    async heapKiB() {
      const { result } = await send("Runtime.getHeapUsage");
      return Math.round((result?.usedSize ?? Number.NaN) / 1024);
    },
    /** A full heap snapshot (V8 collects garbage first), parsed. */
    async snapshot() {
      chunks = [];
      await send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      const json = chunks.join("");
      chunks = [];
      return JSON.parse(json);
    },
    close: () => ws.close(),
  };
}

/** Self size and count per (node type, constructor or name) in a V8 heap snapshot. */
function heapCensus(snapshot) {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const at = (name) => fields.indexOf(name);
  const [typeAt, nameAt, sizeAt] = [at("type"), at("name"), at("self_size")];
  const census = new Map();
  const { nodes, strings } = snapshot;
  let total = 0;
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt]];
    // Strings are named by their content: group them by type alone.
    const name =
      type === "string" || type === "concatenated string" || type === "sliced string"
        ? ""
        : strings[nodes[i + nameAt]];
    const key = `${type}:${String(name).slice(0, 60)}`;
    const entry = census.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[i + sizeAt];
    total += nodes[i + sizeAt];
    census.set(key, entry);
  }
  return { census, total };
}

/** What grew between two heap snapshots, largest first. */
function heapGrowth(before, after, top = 15) {
  const a = heapCensus(before);
  const b = heapCensus(after);
  const rows = [];
  for (const [key, entry] of b.census) {
    const was = a.census.get(key) ?? { count: 0, bytes: 0 };
    rows.push({ key, count: entry.count - was.count, kib: round((entry.bytes - was.bytes) / 1024, 1) });
  }
  rows.sort((x, y) => y.kib - x.kib);
  return { beforeKiB: kib(a.total), afterKiB: kib(b.total), top: rows.slice(0, top) };
}

/** Least-squares slope of rssKiB over calls. */
function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.calls, 0) / n;
  const my = points.reduce((a, p) => a + p.rssKiB, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.calls - mx) * (p.rssKiB - my);
    den += (p.calls - mx) ** 2;
  }
  return den ? num / den : 0;
}

// ---- 5. throughput at many sessions, the host's floor, and the cold path --------------------------------

/**
 * The host's floor: a Worker that answers MCP's Streamable HTTP with canned JSON-RPC replies and no
 * state, and the same answers given by a Durable Object behind one `stub.fetch` per message (the
 * leanest Worker -> object route). No auth, no SDK, no GitHub: what is left is Miniflare and the client.
 */
const TRIVIAL_WORKER = `
function answer(body, sessionId) {
  const messages = Array.isArray(body) ? body : [body];
  const replies = [];
  for (const m of messages) {
    if (m.id === undefined) continue;
    if (m.method === "initialize")
      replies.push({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: m.params.protocolVersion,
        capabilities: { tools: {} }, serverInfo: { name: "trivial", version: "0.0.0" } } });
    else if (m.method === "tools/call")
      replies.push({ jsonrpc: "2.0", id: m.id, result: { content: [{ type: "text", text: "octocat" }] } });
    else replies.push({ jsonrpc: "2.0", id: m.id, result: {} });
  }
  const headers = { "mcp-session-id": sessionId };
  if (replies.length === 0) return new Response(null, { status: 202, headers });
  headers["content-type"] = "application/json";
  return new Response(JSON.stringify(Array.isArray(body) ? replies : replies[0]), { headers });
}
async function handle(request, sessionId) {
  if (request.method !== "POST") return new Response(null, { status: 405 });
  return answer(await request.json(), sessionId);
}
export class Hop {
  fetch(request) { return handle(request, request.headers.get("x-session")); }
}
export default {
  async fetch(request, env) {
    const sessionId = request.headers.get("mcp-session-id") ?? crypto.randomUUID();
    if (!env.VIA_OBJECT) return handle(request, sessionId);
    const headers = new Headers(request.headers);
    headers.set("x-session", sessionId);
    const forwarded = new Request(request.url, { method: request.method, headers, body: request.body });
    return env.HOP.get(env.HOP.idFromName(sessionId)).fetch(forwarded);
  },
};
`;

async function startTrivialWorker(miniflare, base, { viaObject, inspectorPort }) {
  const { Miniflare, convertV4MiniflareOptions } = miniflare;
  const { mf, pid, stop } = await launch(
    Miniflare,
    convertV4MiniflareOptions({
      modules: true,
      script: TRIVIAL_WORKER,
      compatibilityDate: base.compatibilityDate,
      compatibilityFlags: base.compatibilityFlags,
      durableObjects: { HOP: { className: "Hop", useSQLite: true } },
      bindings: viaObject ? { VIA_OBJECT: "1" } : {},
      ...(inspectorPort ? { inspectorPort, inspectorHost: "127.0.0.1" } : {}),
    }),
  );
  const name = viaObject ? "trivial Worker -> object" : "trivial Worker";
  return { mf, pid, stop, inspectorPort, name, trivial: true };
}

/** A session on a trivial Worker: no sign-in, and never an isError reply to check. */
class TrivialSession extends Session {
  async signIn() {
    this.token = "trivial";
    this.callsLeft = Number.POSITIVE_INFINITY;
  }
}

function openAny(worker, github, mcp, n) {
  if (!worker.trivial) return openSessions(worker, github, mcp, n);
  return Promise.all(
    Array.from({ length: n }, async () => {
      const session = await new TrivialSession(worker, github, mcp).open();
      cleanups.push(() => session.close());
      return session;
    }),
  );
}

/**
 * Calls per second at `SESSIONS` concurrent sessions: every session calls whoami back to back for a
 * window, Worker after Worker in rotating order, until each has had `THROUGHPUT_SECONDS` of calls. The
 * trivial Workers get a third of the time: they are the floor, and steady.
 */
async function throughput(workers, github, mcp) {
  const names = Object.keys(workers);
  const rounds = 6;
  const windowMs = (THROUGHPUT_SECONDS * 1000) / rounds;
  const sessions = {};
  for (const name of names) {
    log(`throughput: opening ${SESSIONS} sessions on ${workers[name].name}`);
    sessions[name] = await openAny(workers[name], github, mcp, SESSIONS);
  }
  const stats = Object.fromEntries(names.map((n) => [n, { calls: 0, ms: 0, errors: [], samples: [] }]));
  // Warm, untimed: JIT, every object awake.
  for (const name of names) await burst(sessions[name], 3, WHOAMI, [], stats[name].errors);
  for (let round = 0; round < rounds; round += 1) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      if (workers[name].trivial && round % 3 !== 0) continue;
      const s = stats[name];
      const until = performance.now() + windowMs;
      const t0 = performance.now();
      await Promise.all(
        sessions[name].map(async (session) => {
          while (performance.now() < until && s.errors.length <= 100) {
            try {
              s.samples.push(await session.call(WHOAMI));
              s.calls += 1;
            } catch (error) {
              s.errors.push(error.message);
            }
          }
        }),
      );
      s.ms += performance.now() - t0;
      if (workers[name].sink) await settle(workers[name].sink, 30, 2_000);
    }
  }
  for (const name of names) for (const session of sessions[name]) await session.close();
  return Object.fromEntries(
    names.map((name) => {
      const s = stats[name];
      return [
        name,
        {
          worker: workers[name].name,
          sessions: SESSIONS,
          seconds: round(s.ms / 1000, 1),
          calls: s.calls,
          callsPerSecond: round((s.calls / s.ms) * 1000, 1),
          latency: summary(s.samples),
          errors: s.errors.length,
          firstError: s.errors[0],
        },
      ];
    }),
  );
}

/**
 * A new session against a warm one: sign in (untimed), then time initialize + notifications/initialized
 * + the first tools/call, a new Durable Object each time; then the same session's next calls, warm.
 */
async function coldPath(worker, github, mcp) {
  const cold = [];
  const warm = [];
  for (let i = 0; i < COLD; i += 1) {
    const session = new Session(worker, github, mcp);
    await session.signIn();
    const t0 = performance.now();
    await session.initialize();
    await session.call(WHOAMI);
    cold.push(performance.now() - t0);
    for (let j = 0; j < 5; j += 1) warm.push(await session.call(WHOAMI));
    await session.close();
  }
  const c = summary(cold);
  const w = summary(warm);
  return { worker: worker.name, sessions: COLD, cold: c, warm: w, ratio: round(c.p50 / w.p50, 2) };
}

function printThroughput(t) {
  console.log(
    `\n== 5. whoami calls per second at ${SESSIONS} concurrent sessions (windows rotating between Workers) ==`,
  );
  const rows = [["Worker", "seconds", "calls", "calls/s", "p50 ms", "p95 ms", "failed"]];
  for (const r of Object.values(t))
    rows.push([r.worker, r.seconds, r.calls, r.callsPerSecond, r.latency.p50, r.latency.p95, r.errors]);
  console.log(table(rows.map((r) => r.map((c, i) => (i === 0 ? `  ${c}` : c)))));
  for (const r of Object.values(t))
    if (r.firstError) console.log(`  ${r.worker}: first failure: ${r.firstError}`);
  if (t.off && t.bare) {
    const ms = 1000 / t.off.callsPerSecond - 1000 / t.bare.callsPerSecond;
    console.log(
      `  Sentry's two wrappers with no DSN: ${round(ms, 2)} ms of the host's time per call (1000/calls/s, OFF vs OFF without wrappers)`,
    );
  }
}

function printCold(runs) {
  console.log(`\n== 6. a new session (initialize + first whoami) against a warm call, ${COLD} sessions ==`);
  const rows = [["Worker", "new p50 ms", "new p95 ms", "warm p50 ms", "new/warm"]];
  for (const r of runs) rows.push([`  ${r.worker}`, r.cold.p50, r.cold.p95, r.warm.p50, `${r.ratio}x`]);
  console.log(table(rows));
}

// ---- output --------------------------------------------------------------------------------------------

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) =>
      r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  "),
    )
    .join("\n");
}

function printLatency(results) {
  console.log("\n== 1. tools/call round trip (whoami), telemetry ON vs OFF, alternating blocks ==");
  const rows = [
    ["shape", "n/mode", "OFF p50", "ON p50", "p50 Δ", "OFF p95", "ON p95", "p95 Δ", "OFF/s", "ON/s"],
  ];
  for (const r of results) {
    rows.push([
      `${r.shape} (${r.sessions} session${r.sessions > 1 ? "s" : ""})`,
      r.on.n,
      `${r.off.p50.toFixed(2)}ms`,
      `${r.on.p50.toFixed(2)}ms`,
      `${r.p50Ratio.toFixed(3)}x ${sign(r.p50Pct)}%`,
      `${r.off.p95.toFixed(2)}ms`,
      `${r.on.p95.toFixed(2)}ms`,
      `${r.p95Ratio.toFixed(3)}x ${sign(r.p95Pct)}%`,
      r.throughput.off,
      r.throughput.on,
    ]);
  }
  console.log(table(rows));
  for (const r of results) {
    if (r.errors.on || r.errors.off)
      console.log(
        `  ${r.shape}: ${r.errors.on} ON / ${r.errors.off} OFF calls failed; first: ${r.errors.first}`,
      );
  }
  console.log(
    `  ON envelopes per call during these blocks: ${results.map((r) => `${r.shape} ${r.onEnvelopesPerCall}`).join(", ")}`,
  );
  console.log(`  budget: p50 overhead <= +${BUDGET.p50OverheadPct}%`);
}

const sign = (n) => (n >= 0 ? `+${n}` : `${n}`);

function printEnvelopes(e) {
  console.log(`\n== 2. what the Sentry sink receives (${SAMPLE_RATE * 100}% sampling) ==`);
  const rows = [["phase", "calls", "envelopes", "bytes", "spans", "items by type"]];
  for (const p of e.phases) {
    rows.push([
      p.name,
      p.calls || "-",
      p.envelopes,
      p.bytes,
      p.spans,
      Object.entries(p.byType)
        .map(([type, t]) => `${type}:${t.items}${t.records !== t.items ? `(${t.records})` : ""}`)
        .join(" "),
    ]);
  }
  console.log(table(rows));
  const line = (label, p) =>
    `  ${label}: ${p.envelopes} envelopes, ${p.bytes} B, ${p.spans} spans (${p.spansPerEnvelope} spans/envelope)`;
  console.log(line(`per tool call (${e.toolCall.calls} warm calls)`, e.toolCall));
  const rowsType = [["  item type", "items/call", "records/call", "≈bytes/call"]];
  for (const [type, t] of Object.entries(e.toolCall.byType))
    rowsType.push([`  ${type}`, t.items, t.records, t.bytes]);
  console.log(table(rowsType));
  const toolPhases = e.phases.filter((p) => p.per);
  const names = [...new Set(toolPhases.flatMap((p) => Object.keys(p.per.spanNames)))];
  if (names.length) {
    console.log("  spans per tool call, by span name:");
    const header = ["    span name", ...toolPhases.map((p) => p.name.replace("tools/call ", ""))];
    const rows = names.map((name) => [`    ${name}`, ...toolPhases.map((p) => p.per.spanNames[name] ?? 0)]);
    console.log(table([header, ...rows]));
  }
  console.log(line("per tool call incl. sign-in + session set-up + close", e.amortised));
  console.log(
    `  non-tool traffic (one session): ${e.nonTool.envelopes} envelopes, ${e.nonTool.bytes} B, ${e.nonTool.spans} spans`,
  );
  if (e.phases.some((p) => !p.drained)) console.log("  warning: the sink never went quiet after some phase");
  console.log(
    `  budget: <= ${BUDGET.envelopesPerCall} envelope and <= ${BUDGET.bytesPerCall} B per tool call`,
  );
}

/** Reads a README far over the reply bound: the reply must come back, cut, and quickly. */
async function largeReply(worker, github, mcp) {
  const session = await new Session(worker, github, mcp).open();
  const uri = "github://repos/octocat/hello-world/readme";
  github.setGeneratedText({ repo: "octocat/hello-world" }, LARGE_README_BYTES);
  const samples = [];
  let replyBytes = 0;
  try {
    for (let i = 0; i < LARGE_REPLY_READS; i += 1) {
      const t0 = performance.now();
      const read = await session.client.readResource({ uri }, { timeout: CALL_TIMEOUT_MS });
      samples.push(performance.now() - t0);
      const text = read.contents[0]?.text ?? "";
      if (!text.includes("[Truncated:"))
        throw new Error("the 5 MiB README came back without a truncation note");
      replyBytes = Buffer.byteLength(text);
    }
  } finally {
    github.setGeneratedText({ repo: "octocat/hello-world" }, null);
    await session.close();
  }
  return {
    readmeBytes: LARGE_README_BYTES,
    replyBytes,
    ms: { ...summary(samples), max: round(Math.max(...samples), 3) },
  };
}

function printLargeReply(r) {
  console.log(`
5 MiB README as a resource (telemetry on, ${LARGE_REPLY_READS} reads)`);
  const over = r.ms.max <= BUDGET.largeReplyMaxMs ? "" : "  OVER";
  console.log(
    table([
      ["", "value", "budget"],
      ["reply bytes (after the bound)", String(r.replyBytes), ""],
      ["p50 ms", String(r.ms.p50), ""],
      ["max ms", String(r.ms.max), `<= ${BUDGET.largeReplyMaxMs}${over}`],
    ]),
  );
}

function printBundle(b) {
  console.log("\n== 3. Worker bundle (wrangler deploy --dry-run) ==");
  console.log(
    `  index.js ${b.rawKiB} KiB raw, gzip -9 ${b.gzip9KiB} KiB, gzip -6 ${b.gzipDefaultKiB} KiB` +
      (b.wranglerReported ? ` (wrangler says ${b.wranglerReported.gzipKiB} KiB)` : "") +
      `; budget <= ${b.budgetGzipKiB} KiB gzipped`,
  );
  if (b.ifMinified)
    console.log(
      `  for comparison, with --minify (not configured today): ${b.ifMinified.rawKiB} KiB raw, gzip -9 ${b.ifMinified.gzip9KiB} KiB, gzip -6 ${b.ifMinified.gzipDefaultKiB} KiB`,
    );
  if (b.otherFiles.length) console.log(`  other files in the upload dir: ${b.otherFiles.join(", ")}`);
  if (b.top.length) {
    console.log("  largest contributors (raw bytes in output, esbuild metafile):");
    console.log(table([["    input", "KiB", "%"], ...b.top.map((t) => [`    ${t.name}`, t.kib, t.pct])]));
  }
}

const soakLabel = (run) => (run.trivial ? `${run.worker} (floor)` : `telemetry ${run.worker.toUpperCase()}`);

function printSoak(runs) {
  const [on, off] = runs;
  console.log(
    `\n== 4. workerd RSS (MiB) over ${on.calls} whoami calls, ${on.sessions} sessions, sampled every ${on.every} ==`,
  );
  const heap = on.series[0].heapKiB !== undefined;
  const rows = [
    [
      "calls",
      ...runs.flatMap((r) => [
        `${r.trivial ? (r.worker.includes("object") ? "floor+DO" : "floor") : r.worker.toUpperCase()} rss`,
        "(anon)",
        ...(heap ? ["(V8 heap)"] : []),
      ]),
    ],
  ];
  const mib = (k) => (k === undefined ? "-" : round(k / 1024, 1));
  for (let i = 0; i < on.series.length; i += 1) {
    rows.push([
      on.series[i].calls,
      ...runs.flatMap((r) => {
        const p = r.series[i] ?? {};
        return [mib(p.rssKiB), mib(p.anonKiB), ...(heap ? [mib(p.heapKiB)] : [])];
      }),
    ]);
  }
  rows.push([
    "after close",
    ...runs.flatMap((r) => [
      r.afterCloseMiB,
      r.afterCloseAnonMiB,
      ...(heap ? [mib(r.heap?.endHeapKiB)] : []),
    ]),
  ]);
  console.log(table(rows.map((r) => r.map((c, i) => (i === 0 ? `  ${c}` : c)))));
  for (const r of runs) {
    console.log(
      `  ${soakLabel(r)}: growth from the first sample ${sign(r.growthAfterFirstSampleMiB)} MiB (anon ${sign(r.anonGrowthAfterFirstSampleMiB)}), ` +
        `second half ${sign(r.secondHalfGrowthMiB)} MiB (${r.secondHalfSlopeMiBPer1kCalls} MiB/1k calls), peak ${r.peakMiB}; ` +
        `${r.callsPerSecond} calls/s, ${r.errors} errors, ${r.envelopesPerCall} envelopes and ${r.bytesPerCall} B per call, ${r.grants} sign-ins`,
    );
  }
  if (!off) console.log("  (no OFF control run: --skip-soak-control)");
  for (const r of runs.filter((run) => run.heap?.top)) {
    console.log(
      `  ${soakLabel(r)}, heap snapshots after 1,000 calls -> end: ${r.heap.beforeKiB} -> ${r.heap.afterKiB} KiB; what grew most:`,
    );
    console.log(
      table([
        ["    type:constructor", "count", "KiB"],
        ...r.heap.top.map((t) => [`    ${t.key}`, sign(t.count), sign(t.kib)]),
      ]),
    );
  }
}

/** One row per budget this run measured: what, the figure, the budget, and whether it is within. */
function budgets(result) {
  const rows = [];
  const row = (name, figure, budget, within) =>
    rows.push({ name, figure, budget, verdict: within ? "within" : "over" });
  for (const r of result.latency ?? []) {
    const shape = r.shape === "sequential" ? "in a row" : `${r.sessions} sessions`;
    row(
      `p50 ON/OFF, ${shape}`,
      `${r.p50Ratio.toFixed(3)}x (${r.off.p50.toFixed(2)} -> ${r.on.p50.toFixed(2)} ms)`,
      `<= ${(1 + BUDGET.p50OverheadPct / 100).toFixed(2)}x`,
      r.p50Pct <= BUDGET.p50OverheadPct,
    );
    row(
      `p95 ON/OFF, ${shape}`,
      `${r.p95Ratio.toFixed(3)}x (${r.off.p95.toFixed(2)} -> ${r.on.p95.toFixed(2)} ms)`,
      `<= ${(1 + BUDGET.p95OverheadPct / 100).toFixed(2)}x`,
      r.p95Pct <= BUDGET.p95OverheadPct,
    );
    if (r.sessions > 1) {
      const ratio = r.throughput.on / r.throughput.off;
      row(
        `calls/s ON/OFF, ${shape}`,
        `${ratio.toFixed(3)}x (${r.throughput.off} -> ${r.throughput.on}/s)`,
        `>= ${BUDGET.throughputRatio}x (issue: at 32 sessions)`,
        ratio >= BUDGET.throughputRatio,
      );
    }
    row(
      `failed calls, ${shape}`,
      `${r.errors.on} ON, ${r.errors.off} OFF`,
      "0",
      r.errors.on + r.errors.off === 0,
    );
  }
  const o = result.otlp;
  if (o) {
    // Issue 12: the OTLP leg stays inside issue 9's telemetry budget (requests, bytes, latency).
    for (const [label, r, base, ratio] of [
      ["OTLP only", o.otlp, "OFF", o.otlp.p50Ratio],
      ["Sentry + OTLP", o.both, "Sentry only", o.both.p50RatioOverSentry],
    ]) {
      row(
        `p50 ${label} / ${base}, in a row`,
        `${ratio.toFixed(3)}x`,
        `<= ${(1 + BUDGET.p50OverheadPct / 100).toFixed(2)}x`,
        (ratio - 1) * 100 <= BUDGET.p50OverheadPct,
      );
      row(
        `OTLP per warm call, ${label}`,
        `${r.requestsPerCall} requests, ${r.bytesPerCall} B`,
        `<= ${BUDGET.envelopesPerCall}, <= ${BUDGET.bytesPerCall} B`,
        r.requestsPerCall <= BUDGET.envelopesPerCall && r.bytesPerCall <= BUDGET.bytesPerCall,
      );
    }
  }
  const e = result.envelopes;
  if (e) {
    row(
      "envelopes per warm tool call",
      `${e.toolCall.envelopes}`,
      `<= ${BUDGET.envelopesPerCall}`,
      e.toolCall.envelopes <= BUDGET.envelopesPerCall,
    );
    row(
      "bytes on the wire per warm tool call",
      `${e.toolCall.bytes} B`,
      `<= ${BUDGET.bytesPerCall} B`,
      e.toolCall.bytes <= BUDGET.bytesPerCall,
    );
    for (const p of e.phases.filter((phase) => phase.per))
      row(
        `  ${p.name}`,
        `${p.per.envelopes} envelopes, ${p.per.bytes} B`,
        `<= ${BUDGET.envelopesPerCall}, <= ${BUDGET.bytesPerCall} B`,
        p.per.envelopes <= BUDGET.envelopesPerCall && p.per.bytes <= BUDGET.bytesPerCall,
      );
  }
  if (result.bundle)
    row(
      "Worker bundle, gzip -9",
      `${result.bundle.gzip9KiB} KiB`,
      `<= ${BUDGET.bundleGzipKiB} KiB`,
      result.bundle.gzip9KiB <= BUDGET.bundleGzipKiB,
    );
  for (const c of result.cold ?? [])
    row(
      `new session (initialize + first call) / warm call, telemetry ${c.worker.toUpperCase()}`,
      `${c.ratio.toFixed(2)}x (${c.warm.p50.toFixed(2)} -> ${c.cold.p50.toFixed(2)} ms, ${c.sessions} sessions)`,
      `<= ${BUDGET.coldRatio}x`,
      c.ratio <= BUDGET.coldRatio,
    );
  const t = result.throughput;
  if (t) {
    const at = `${t.off.sessions} sessions, ${t.off.seconds} s each`;
    const ratio = (a, b) => a.callsPerSecond / b.callsPerSecond;
    row(
      `calls/s ON/OFF, ${at}`,
      `${ratio(t.on, t.off).toFixed(3)}x (${t.off.callsPerSecond} -> ${t.on.callsPerSecond}/s)`,
      `>= ${BUDGET.throughputRatio}x`,
      ratio(t.on, t.off) >= BUDGET.throughputRatio,
    );
    row(
      `failed calls, ${at}`,
      Object.values(t)
        .map((r) => `${r.errors} ${r.worker}`)
        .join(", "),
      "0",
      Object.values(t).every((r) => r.errors === 0),
    );
    row(
      `calls/s OFF with/without Sentry's wrappers (no DSN), ${t.off.sessions} sessions`,
      `${ratio(t.off, t.bare).toFixed(3)}x (${t.bare.callsPerSecond} -> ${t.off.callsPerSecond}/s, ${round(1000 / t.off.callsPerSecond - 1000 / t.bare.callsPerSecond, 2)} ms/call)`,
      `>= ${BUDGET.bareWrapperRatio}x (nothing measurable)`,
      ratio(t.off, t.bare) >= BUDGET.bareWrapperRatio,
    );
    row(
      `calls/s OFF / trivial Worker, ${t.off.sessions} sessions`,
      `${ratio(t.off, t.trivial).toFixed(3)}x (${t.trivial.callsPerSecond} -> ${t.off.callsPerSecond}/s; trivial Worker -> object ${t.trivialObject.callsPerSecond}/s)`,
      `>= ${BUDGET.hostFloorRatio}x (aim)`,
      ratio(t.off, t.trivial) >= BUDGET.hostFloorRatio,
    );
  }
  for (const run of Object.values(result.soak ?? {}).filter(Boolean)) {
    // The issue's measure: RSS after the first 1,000 calls against the end (the first samples still warm up).
    const first =
      run.series.find((p) => p.calls >= 1000 && p !== run.series.at(-1)) ?? run.series[1] ?? run.series[0];
    const last = run.series.at(-1);
    const pct = (last.rssKiB / first.rssKiB - 1) * 100;
    row(
      `RSS growth, ${soakLabel(run)} (${first.calls} -> ${last.calls} calls)`,
      `${sign(round(pct, 1))}%`,
      `<= +${BUDGET.soakGrowthPct}%`,
      pct <= BUDGET.soakGrowthPct,
    );
  }
  return rows;
}

function printBudgets(result) {
  const f = result.flags;
  console.log(
    `\n== budgets (${QUICK ? "--quick, " : ""}Miniflare in Node ${result.node}, ${f.calls} calls per mode and shape, ` +
      `${f.concurrency} sessions under load, ON/OFF blocks of ${f.block}, ${f.envelopeCalls} envelope calls per tool, ` +
      `${f.sampleRate * 100}% sampling${f.soak ? `, soak ${f.soak} calls` : ", no soak"}; this script reports and never fails) ==`,
  );
  if (!result.budgets.length) return console.log("  nothing measured");
  console.log(table(result.budgets.map((b) => [`  ${b.name}`, b.figure, b.budget, b.verdict])));
}

// ---- main -------------------------------------------------------------------------------------------------

async function main() {
  const result = {
    when: new Date().toISOString(),
    node: process.version,
    flags: {
      calls: CALLS,
      concurrency: CONCURRENCY,
      block: BLOCK,
      envelopeCalls: ENVELOPE_CALLS,
      soak: flags["skip-soak"] ? 0 : SOAK,
      sampleRate: SAMPLE_RATE,
      soakEvery: SOAK_EVERY,
      sessions: SESSIONS,
      throughputSeconds: THROUGHPUT_SECONDS,
      cold: COLD,
    },
  };

  log("building the Worker (wrangler deploy --dry-run) and the test doubles");
  const [build, minified, bare, doubles, base, mcp, miniflare] = await Promise.all([
    buildWorker(),
    flags["skip-bundle"] || QUICK ? undefined : buildWorker({ minify: true }),
    SESSIONS ? buildWorker({ bare: true }) : undefined,
    buildDoubles(),
    workerRuntimeOptions(),
    loadMcp(),
    import("miniflare"),
  ]);
  if (!flags["skip-bundle"]) {
    result.bundle = bundleReport(build, minified);
    printBundle(result.bundle);
  }

  const github = doubles.createFakeGitHub({
    webOrigin: GITHUB_WEB,
    apiBase: GITHUB_API,
    clientId: GITHUB_CLIENT_ID,
    clientSecret: GITHUB_CLIENT_SECRET,
  });
  log("starting two Workers in Miniflare: telemetry ON and OFF");
  const workers = {
    on: await startWorker(miniflare, build, base, {
      telemetry: true,
      github,
      sink: doubles.createSentrySink(SENTRY_ORIGIN),
    }),
    off: await startWorker(miniflare, build, base, {
      telemetry: false,
      github,
      sink: doubles.createSentrySink(SENTRY_ORIGIN),
    }),
  };

  if (!flags["skip-latency"]) {
    log(`opening ${CONCURRENCY} sessions on each Worker`);
    const sessions = {
      on: await openSessions(workers.on, github, mcp, CONCURRENCY),
      off: await openSessions(workers.off, github, mcp, CONCURRENCY),
    };
    result.latency = [];
    for (const shape of ["sequential", "concurrent"]) {
      log(`latency: ${shape}, ${CALLS} calls per mode`);
      result.latency.push(await latency(workers, sessions, shape));
    }
    for (const list of Object.values(sessions)) for (const s of list) await s.close();
    printLatency(result.latency);
  }

  if (!flags["skip-otlp"]) {
    log("OTLP: starting a Worker with OTLP only and one with Sentry and OTLP");
    const otlpWorkers = {
      off: workers.off,
      on: workers.on,
      otlp: await startWorker(miniflare, build, base, {
        telemetry: false,
        github,
        sink: doubles.createSentrySink(SENTRY_ORIGIN),
        otlp: doubles.createOtlpReceiver(OTLP_ORIGIN, { decode: false }),
      }),
      both: await startWorker(miniflare, build, base, {
        telemetry: true,
        github,
        sink: doubles.createSentrySink(SENTRY_ORIGIN),
        otlp: doubles.createOtlpReceiver(OTLP_ORIGIN, { decode: false }),
      }),
    };
    const sessions = {};
    for (const name of ["off", "on", "otlp", "both"])
      sessions[name] = await openSessions(otlpWorkers[name], github, mcp, 1);
    result.otlp = await otlpCost(otlpWorkers, sessions);
    printOtlp(result.otlp);
    for (const list of Object.values(sessions)) for (const session of list) await session.close();
    await Promise.all([otlpWorkers.otlp.stop(), otlpWorkers.both.stop()]);
  }

  if (!flags["skip-envelopes"]) {
    log(`envelopes: one session, ${ENVELOPE_CALLS} calls per tool`);
    result.envelopes = await envelopes(workers.on, github, mcp);
    printEnvelopes(result.envelopes);
  }
  if (!flags["skip-large-reply"]) {
    log(`large reply: ${LARGE_REPLY_READS} reads of a ${LARGE_README_BYTES / 1024 / 1024} MiB README`);
    result.largeReply = await largeReply(workers.on, github, mcp);
    printLargeReply(result.largeReply);
  }
  if (COLD) {
    log(`cold path: ${COLD} new sessions on each Worker`);
    result.cold = [await coldPath(workers.off, github, mcp), await coldPath(workers.on, github, mcp)];
    printCold(result.cold);
  }
  if (SESSIONS) {
    const bareWorker = await startWorker(miniflare, bare, base, {
      telemetry: false,
      github,
      sink: doubles.createSentrySink(SENTRY_ORIGIN),
    });
    bareWorker.name = "off, no Sentry wrappers";
    const all = {
      off: workers.off,
      on: workers.on,
      bare: bareWorker,
      trivial: await startTrivialWorker(miniflare, base, { viaObject: false }),
      trivialObject: await startTrivialWorker(miniflare, base, { viaObject: true }),
    };
    log(`throughput: ${SESSIONS} sessions, ${THROUGHPUT_SECONDS} s per Worker`);
    result.throughput = await throughput(all, github, mcp);
    printThroughput(result.throughput);
    result.offWorkerEnvelopes = bareWorker.sink.envelopes().length;
    await Promise.all([bareWorker.stop(), all.trivial.stop(), all.trivialObject.stop()]);
  }
  result.offWorkerEnvelopes = (result.offWorkerEnvelopes ?? 0) + workers.off.sink.envelopes().length;
  await Promise.all([workers.on.stop(), workers.off.stop()]);

  if (!flags["skip-soak"]) {
    // Fresh workerd processes, so the series starts from the same place whatever ran before.
    // The controls: telemetry OFF, and the trivial Worker alone and -> object (the host's floor: Miniflare,
    // workerd and one Durable Object request per message, none of our code).
    const runs = [];
    for (const telemetry of flags["skip-soak-control"] ? [true] : [true, false, "floor", "floor-object"]) {
      const inspectorPort = flags["heap-snapshots"] ? await freePort() : undefined;
      const worker =
        typeof telemetry === "string"
          ? await startTrivialWorker(miniflare, base, {
              viaObject: telemetry === "floor-object",
              inspectorPort,
            })
          : await startWorker(miniflare, build, base, {
              telemetry,
              github,
              sink: doubles.createSentrySink(SENTRY_ORIGIN),
              inspectorPort,
            });
      if (worker.pid === undefined) {
        log("soak: could not find the workerd child process; no memory series");
        await worker.stop();
        break;
      }
      log(`soak: ${SOAK} calls with telemetry ${worker.name.toUpperCase()}, RSS every ${SOAK_EVERY}`);
      runs.push(await soak(worker, github, mcp));
      await worker.stop();
    }
    if (runs.length) {
      result.soak = { on: runs[0], off: runs[1], floor: runs[2], floorObject: runs[3] };
      printSoak(runs);
    }
  }

  if (result.offWorkerEnvelopes)
    console.log(`\nwarning: the telemetry-OFF Worker sent ${result.offWorkerEnvelopes} envelopes`);
  result.seconds = round((performance.now() - started) / 1000, 1);
  result.budgets = budgets(result);
  printBudgets(result);
  console.log(`\ntotal ${result.seconds}s`);
  console.log(JSON.stringify(result));
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
