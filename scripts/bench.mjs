#!/usr/bin/env node
/**
 * Benchmark: what telemetry costs. Prints numbers, asserts nothing; the budgets are judged by a person.
 *
 *   1. tools/call latency with telemetry ON (SENTRY_DSN to a local sink, 100% sampling) vs OFF (no DSN),
 *      in a row and under concurrent load, alternating blocks between two Worker instances.
 *   2. Envelopes and bytes the sink receives per tool call, by item type, apart from sign-in and session set-up.
 *   3. The Worker bundle, gzipped, and what it is made of.
 *   4. workerd RSS over many tool calls with telemetry on (and, as a baseline, off), each in a fresh process.
 *   5. A 5 MiB README read as a resource (cut by the reply bound): its round trip, against a 1 s budget.
 *
 * The Worker is the bundle `wrangler deploy --dry-run` produces, run in Miniflare from this process. Its
 * outbound fetches go to the fake GitHub and the Sentry envelope sink from test/doubles; nothing leaves
 * the machine. Sign-in is the real OAuth flow over HTTP; MCP traffic is the real SDK client.
 *
 *   node scripts/bench.mjs [--calls N] [--concurrency N] [--block N] [--envelope-calls N]
 *                          [--soak N] [--soak-every N] [--skip-soak] [--skip-soak-control] [--skip-bundle]
 *                          [--skip-latency] [--skip-envelopes] [--skip-large-reply] [--timeout MINUTES]
 *
 * The last line of output is one JSON object with every number.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync, constants as zlibConstants } from "node:zlib";
import { signIn as signInOverHttp } from "./lib/oauth.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ORIGIN = "https://bench.test";
const GITHUB_WEB = "http://github.test";
const GITHUB_API = "http://api.github.test";
const GITHUB_CLIENT_ID = "bench-github-client";
const GITHUB_CLIENT_SECRET = "bench-github-secret";
const SENTRY_ORIGIN = "http://sentry.test";
const SENTRY_DSN = "http://public@sentry.test/1";
const LOGIN = "octocat";
const BUDGET = {
  p50OverheadPct: 5,
  envelopesPerCall: 1,
  bytesPerCall: 3 * 1024,
  bundleGzipKiB: 560,
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

const { values: flags } = parseArgs({
  options: {
    calls: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
    block: { type: "string", default: "50" },
    "envelope-calls": { type: "string", default: "200" },
    soak: { type: "string", default: "5000" },
    "soak-every": { type: "string" },
    "skip-soak": { type: "boolean", default: false },
    "skip-soak-control": { type: "boolean", default: false },
    "skip-bundle": { type: "boolean", default: false },
    "skip-latency": { type: "boolean", default: false },
    "skip-envelopes": { type: "boolean", default: false },
    "skip-large-reply": { type: "boolean", default: false },
    timeout: { type: "string", default: "30" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (flags.help) {
  console.log(`usage: node scripts/bench.mjs [flags]
  --calls N           tools/call per mode (ON, OFF) and per shape (in a row, concurrent)  [1000]
  --concurrency N     concurrent MCP sessions for the "under load" shape and the soak     [8]
  --block N           calls per alternating ON/OFF block (split over the sessions)        [50]
  --envelope-calls N  warm calls per tool in the envelope count                           [200]
  --soak N            tool calls with telemetry on for the memory series                  [5000]
  --soak-every N      RSS sample interval in calls                                        [soak/20]
  --skip-soak-control do not repeat the soak on the telemetry-OFF Worker as a baseline
  --skip-soak, --skip-bundle (size report only; the Worker is always built), --skip-latency, --skip-envelopes,
  --skip-large-reply
  --timeout MINUTES   give up after this long                                             [30]`);
  process.exit(0);
}

function count(name, min = 1) {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be a whole number >= ${min}, got ${flags[name]}`);
    process.exit(2);
  }
  return value;
}

const CALLS = count("calls");
const CONCURRENCY = count("concurrency");
const BLOCK = count("block");
const ENVELOPE_CALLS = count("envelope-calls");
const SOAK = count("soak");
const SOAK_EVERY = flags["soak-every"] ? count("soak-every") : Math.max(50, Math.round(SOAK / 20));
const TIMEOUT_MIN = count("timeout");

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

function run(command, args, options = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], ...options });
    const stop = () => child.exitCode === null && child.kill();
    cleanups.push(stop);
    exitHooks.push(stop);
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) done(output);
      else fail(new Error(`${command} ${args.join(" ")} exited ${code}:\n${output}`));
    });
  });
}

/** `wrangler deploy --dry-run` into a temporary directory: exactly what a deploy would upload. */
async function buildWorker({ minify = false } = {}) {
  const outdir = join(work, minify ? "worker-minified" : "worker");
  const metafile = join(work, minify ? "bundle-meta-minified.json" : "bundle-meta.json");
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
  const outfile = join(work, "doubles.mjs");
  const doubles = join(ROOT, "test", "doubles");
  await build({
    stdin: {
      contents: `export { createFakeGitHub } from ${JSON.stringify(join(doubles, "fake-github.ts"))};
export { createSentrySink } from ${JSON.stringify(join(doubles, "sentry-sink.ts"))};`,
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

async function workerOptions() {
  const { experimental_readRawConfig } = await import("wrangler");
  const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, "wrangler.jsonc") });
  const sqlite = new Set((rawConfig.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  return {
    compatibilityDate: rawConfig.compatibility_date,
    compatibilityFlags: rawConfig.compatibility_flags ?? [],
    durableObjects: Object.fromEntries(
      (rawConfig.durable_objects?.bindings ?? []).map((b) => [
        b.name,
        { className: b.class_name, useSQLite: sqlite.has(b.class_name) },
      ]),
    ),
    kvNamespaces: (rawConfig.kv_namespaces ?? []).map((kv) => kv.binding),
    ...(rawConfig.version_metadata ? { versionMetadata: rawConfig.version_metadata.binding } : {}),
    vars: rawConfig.vars ?? {},
  };
}

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

async function startWorker(miniflare, build, base, { telemetry, github, sink }) {
  const before = workerdChildren();
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
      SENTRY_TRACES_SAMPLE_RATE: "1",
      SENTRY_DSN: telemetry ? SENTRY_DSN : "",
    },
    outboundService: (request) => {
      if (github.handles(request)) return github.fetch(request);
      if (sink.handles(request)) return sink.fetch(request);
      return new Response(`bench outbound blocked: ${new URL(request.url).origin}`, { status: 599 });
    },
    // No MCP_RATE_LIMITER binding: the bench makes thousands of calls as one user, and without the
    // binding the server applies no limit.
    // The server's logger writes one JSON line per call to the console; keep them off our output.
    handleStructuredLogs: () => {},
  });
  const mf = new Miniflare(options);
  let stopping;
  const stop = () => {
    stopping ??= mf.dispose();
    return stopping;
  };
  cleanups.push(stop);
  await mf.ready;
  const pid = [...workerdChildren()].find((p) => !before.has(p));
  return { mf, pid, telemetry, sink, stop, name: telemetry ? "on" : "off" };
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
  const { sink } = worker;
  const sessions = await openSessions(worker, github, mcp, CONCURRENCY);
  await settle(sink, 300);
  sink.clear();
  const series = [{ calls: 0, ...memory(worker.pid) }];
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
          series.push({ calls: completed, ...memory(worker.pid) });
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
  const values = series.map((p) => p.rssKiB);
  const first = series[1] ?? series[0];
  const last = series[series.length - 1];
  const mid = series[Math.floor((series.length - 1) / 2)];
  const mib = (k) => round(k / 1024, 1);
  return {
    worker: worker.name,
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
  };
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
  console.log("\n== 2. what the Sentry sink receives (100% sampling) ==");
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

function printSoak(runs) {
  const [on, off] = runs;
  console.log(
    `\n== 4. workerd RSS (MiB) over ${on.calls} whoami calls, ${on.sessions} sessions, sampled every ${on.every} ==`,
  );
  const rows = [["calls", ...runs.flatMap((r) => [`${r.worker.toUpperCase()} rss`, "(anon)"])]];
  for (let i = 0; i < on.series.length; i += 1) {
    rows.push([
      on.series[i].calls,
      ...runs.flatMap((r) =>
        r.series[i]
          ? [round(r.series[i].rssKiB / 1024, 1), round(r.series[i].anonKiB / 1024, 1)]
          : ["-", "-"],
      ),
    ]);
  }
  rows.push(["after close", ...runs.flatMap((r) => [r.afterCloseMiB, r.afterCloseAnonMiB])]);
  console.log(table(rows.map((r) => r.map((c, i) => (i === 0 ? `  ${c}` : c)))));
  for (const r of runs) {
    console.log(
      `  ${r.worker.toUpperCase()}: growth from the first sample ${sign(r.growthAfterFirstSampleMiB)} MiB (anon ${sign(r.anonGrowthAfterFirstSampleMiB)}), ` +
        `second half ${sign(r.secondHalfGrowthMiB)} MiB (${r.secondHalfSlopeMiBPer1kCalls} MiB/1k calls), peak ${r.peakMiB}; ` +
        `${r.callsPerSecond} calls/s, ${r.errors} errors, ${r.envelopesPerCall} envelopes and ${r.bytesPerCall} B per call, ${r.grants} sign-ins`,
    );
  }
  if (!off) console.log("  (no OFF control run: --skip-soak-control)");
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
      soakEvery: SOAK_EVERY,
    },
  };

  log("building the Worker (wrangler deploy --dry-run) and the test doubles");
  const [build, minified, doubles, base, mcp, miniflare] = await Promise.all([
    buildWorker(),
    flags["skip-bundle"] ? undefined : buildWorker({ minify: true }),
    buildDoubles(),
    workerOptions(),
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
  result.offWorkerEnvelopes = workers.off.sink.envelopes().length;
  await Promise.all([workers.on.stop(), workers.off.stop()]);

  if (!flags["skip-soak"]) {
    // Fresh workerd processes, so the series starts from the same place whatever ran before.
    const runs = [];
    for (const telemetry of flags["skip-soak-control"] ? [true] : [true, false]) {
      const worker = await startWorker(miniflare, build, base, {
        telemetry,
        github,
        sink: doubles.createSentrySink(SENTRY_ORIGIN),
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
      result.soak = { on: runs[0], off: runs[1] };
      printSoak(runs);
    }
  }

  if (result.offWorkerEnvelopes)
    console.log(`\nwarning: the telemetry-OFF Worker sent ${result.offWorkerEnvelopes} envelopes`);
  result.seconds = round((performance.now() - started) / 1000, 1);
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
