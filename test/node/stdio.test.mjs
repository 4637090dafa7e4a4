// The stdio host (src/stdio) as a user's MCP client runs it: the built bin spawned as a child process,
// GitHub the fake (test/doubles/fake-github.ts) on a loopback port, Sentry the envelope sink on another.
// The same calls also go to the Worker's /mcp (the wrangler build in Miniflare, signed in over OAuth,
// against the same fake) so the two hosts are compared on the same data, not against written-down text.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStdio } from "../../scripts/build-stdio.mjs";
import { buildWorker, ROOT, workerRuntimeOptions } from "../../scripts/lib/bundle.mjs";
import { loadFakeGitHub, loadPrivacyScan, loadSentrySink } from "../../scripts/lib/doubles.mjs";
import { serveFetch } from "../../scripts/lib/http.mjs";
import { signIn } from "../../scripts/lib/oauth.mjs";
// Vitest loads TypeScript itself; the receiver decodes with opentelemetry-proto (see the file).
import { createOtlpReceiver } from "../doubles/otlp-receiver.ts";

const BIN = join(ROOT, "bin", "observable-mcp.mjs");
/** Where this clone lives: no absolute path of it may leave the process. */
const CLONE = ROOT.replace(/\/+$/, "");
const CLIENT_ID = "stdio-test-client";
const CLIENT_SECRET = "stdio-test-secret";
const CLIENT_INFO = { name: "claude-code", version: "9.9.9" };
const TOOLS = ["whoami", "list_repositories", "search_issues", "get_issue", "create_issue"];

let github; // { fake, url, api, close }
let sentry; // { sink, url, dsn, close }
let leaksIn;
let token;

/** Settings of a stdio process: nothing of the test runner's environment but PATH. */
function settings(extra = {}) {
  return {
    PATH: process.env.PATH ?? "",
    ENVIRONMENT: "test",
    GITHUB_API_URL: github.api,
    GITHUB_TIMEOUT_MS: "1000",
    ...extra,
  };
}

/** Spawns the bin with `env`; collects stdout lines, stderr text and the exit. */
function spawnBin(env, args = [], node = process.execPath) {
  const child = spawn(node, [BIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  const run = { child, stdoutLines: [], stderr: "", exit: undefined };
  let partial = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    run.stdoutLines.push(...parts);
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    run.stderr += chunk;
  });
  run.exit = new Promise((resolve) =>
    child.on("close", (code, signal) => {
      if (partial) run.stdoutLines.push(partial);
      resolve({ code, signal });
    }),
  );
  return run;
}

/**
 * An MCP client transport over a spawned bin that keeps every stdout line as it came, so a test can
 * check that stdout carried JSON-RPC and nothing else.
 */
class RecordingStdioTransport {
  constructor(run) {
    this.run = run;
    this.seen = 0;
  }
  async start() {
    this.run.child.stdout.on("data", () => this.deliver());
    this.run.child.on("close", () => this.onclose?.());
  }
  deliver() {
    while (this.seen < this.run.stdoutLines.length) {
      const line = this.run.stdoutLines[this.seen++];
      try {
        this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(line)));
      } catch (error) {
        this.onerror?.(error);
      }
    }
  }
  async send(message) {
    this.run.child.stdin.write(`${JSON.stringify(message)}\n`);
  }
  async close() {
    this.run.child.stdin.end();
    await this.run.exit;
  }
}

async function connectStdio(env, args = [], node = process.execPath, clientInfo = CLIENT_INFO) {
  const run = spawnBin(env, args, node);
  const client = new Client(clientInfo, { capabilities: {} });
  const errors = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(new RecordingStdioTransport(run));
  return { client, run, errors };
}

/** The "serving MCP on stdio" log line of a run, parsed. */
const servingLine = (run) =>
  JSON.parse(
    run.stderr
      .trim()
      .split("\n")
      .find((line) => line.includes("serving")) ?? "{}",
  );

const textOf = (result) => (result.content ?? []).map((part) => part.text ?? "").join("\n");

/** A W3C traceparent with fresh ids, as an instrumented agent sends in `_meta`. */
function traceparent() {
  const hex = (bytes) =>
    [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceparent: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

function callTool(client, name, args = {}, meta) {
  return client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
}

/** Spans the sink holds, each with its attributes flattened to values. */
function spans() {
  return sentry.sink
    .envelopes()
    .flatMap((envelope) => envelope.items.filter((item) => item.type === "span"))
    .flatMap((item) => item.payload.items ?? [])
    .map((span) => ({
      ...span,
      attrs: Object.fromEntries(
        Object.entries(span.attributes ?? {}).map(([key, value]) => [key, value?.value]),
      ),
    }));
}

function events() {
  return sentry.sink
    .envelopes()
    .flatMap((envelope) => envelope.items.filter((item) => item.type === "event"))
    .map((item) => item.payload);
}

/** Polls the sink (it lives in this process) until `find` returns something, or fails after 10 s. */
async function eventually(find, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`the sink never received ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const spanOf = (traceId, name) =>
  eventually(
    () => spans().find((span) => span.trace_id === traceId && span.name === name),
    `${name} in ${traceId}`,
  );

beforeAll(async () => {
  const [createFakeGitHub, createSentrySink] = await Promise.all([loadFakeGitHub(), loadSentrySink()]);
  leaksIn = await loadPrivacyScan();
  let fake;
  const githubServer = await serveFetch((request) => fake.fetch(request));
  // GitHub Enterprise's layout, the API under /api/v3 of the web origin: GITHUB_API_URL is honoured.
  fake = createFakeGitHub({
    webOrigin: githubServer.url,
    apiBase: `${githubServer.url}/api/v3`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
  github = { fake, url: githubServer.url, api: `${githubServer.url}/api/v3`, close: githubServer.close };
  let sink;
  const sinkServer = await serveFetch((request) => sink.fetch(request));
  sink = createSentrySink(sinkServer.url);
  sentry = {
    sink,
    url: sinkServer.url,
    dsn: `${sinkServer.url.replace("://", "://public@")}/1`,
    close: sinkServer.close,
  };
  token = fake.mintToken("octocat");
  await buildStdio();
});

afterAll(async () => {
  await github?.close();
  await sentry?.close();
});

describe("observable-mcp over stdio, with SENTRY_DSN", () => {
  let session;
  beforeAll(async () => {
    session = await connectStdio(settings({ GITHUB_TOKEN: token, SENTRY_DSN: sentry.dsn }));
  });
  afterAll(async () => {
    await session?.client.close();
  });

  it("lists the Worker's tools, the readme resource template and the triage prompt", async () => {
    const { tools } = await session.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOLS].sort());
    const { resourceTemplates } = await session.client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toContain(
      "github://repos/{owner}/{repo}/readme",
    );
    const { prompts } = await session.client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toEqual(["triage_issue"]);
  });

  it("whoami acts for the token's user, checked with GET /user at start", async () => {
    const result = await callTool(session.client, "whoami");
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain("octocat (The Octocat)");
  });

  it("runs every read tool, the resource and the prompt against the fake GitHub", async () => {
    const repos = await callTool(session.client, "list_repositories", { owner: "octocat" });
    expect(textOf(repos)).toContain("octocat/hello-world");
    const found = await callTool(session.client, "search_issues", {
      query: "repo:octocat/hello-world license",
    });
    expect(textOf(found)).toContain("Add a license file");
    const issue = await callTool(session.client, "get_issue", {
      owner: "octocat",
      repo: "hello-world",
      number: 1,
    });
    expect(textOf(issue)).toContain("octocat/hello-world#1: Add a license file");
    const readme = await session.client.readResource({ uri: "github://repos/octocat/hello-world/readme" });
    expect(readme.contents[0]?.text).toMatch(/hello/i);
    const prompt = await session.client.getPrompt({
      name: "triage_issue",
      arguments: { owner: "octocat", repo: "hello-world", number: "1" },
    });
    expect(prompt.messages[0]?.content.text).toContain("Call get_issue");
  });

  it("create_issue creates the issue on GitHub", async () => {
    const before = github.fake.requests.length;
    const result = await callTool(session.client, "create_issue", {
      owner: "octocat",
      repo: "hello-world",
      title: "Filed over stdio",
    });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/octocat\/hello-world#\d+/);
    const posted = github.fake.requests.slice(before).filter((request) => request.method === "POST");
    expect(posted.map((request) => new URL(request.url).pathname)).toEqual([
      "/api/v3/repos/octocat/hello-world/issues",
    ]);
  });

  it("a GitHub 5xx is reported: the reply quotes an Event ID that is in the sink", async () => {
    github.fake.setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const trace = traceparent();
    const result = await callTool(session.client, "whoami", {}, { traceparent: trace.traceparent });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain("GitHub could not complete this.");
    const eventId = /Event ID: ([0-9a-f]{32})/.exec(text)?.[1];
    expect(eventId).toBeDefined();
    const event = await eventually(() => events().find((e) => e.event_id === eventId), `event ${eventId}`);
    expect(event.tags?.["mcp.transport"]).toBe("stdio");
    // Frames name files inside the package, never where the clone lives (it names the user).
    const frames = event.exception.values.flatMap((value) => value.stacktrace?.frames ?? []);
    expect(frames.some((frame) => /^dist-stdio\/main\.mjs$/.test(frame.filename))).toBe(true);
    expect(JSON.stringify(event)).not.toContain(CLONE);
    const span = await spanOf(trace.traceId, "tools/call whoami");
    expect(span.attrs["mcp.outcome"]).toBe("tool_error");
    expect(span.attrs["mcp.tool.error_kind"]).toBe("upstream_server_error");
  });

  it("a GitHub 4xx is explained and not reported", async () => {
    const trace = traceparent();
    const result = await callTool(
      session.client,
      "get_issue",
      { owner: "octocat", repo: "hello-world", number: 9999 },
      { traceparent: trace.traceparent },
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("GitHub refused this (404).");
    expect(textOf(result)).not.toContain("Event ID");
    const span = await spanOf(trace.traceId, "tools/call get_issue");
    expect(span.attrs["mcp.tool.error_kind"]).toBe("upstream_not_found");
    // An event is queued before the span it belongs to, so it would be here by now.
    expect(events().filter((event) => event.contexts?.trace?.trace_id === trace.traceId)).toEqual([]);
  });

  it("a token GitHub stops accepting mid-session: the reply says to replace it, not to sign in again", async () => {
    // hubot's own process, so revoking hubot's tokens leaves this file's octocat session alone.
    const hubotToken = github.fake.mintToken("hubot");
    const own = await connectStdio(settings({ GITHUB_TOKEN: hubotToken, SENTRY_DSN: sentry.dsn }));
    let result;
    try {
      expect(github.fake.revokeTokens("hubot")).toBeGreaterThan(0);
      result = await callTool(own.client, "whoami", {});
    } finally {
      await own.client.close();
    }
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain("GitHub refused this (401).");
    expect(text).toContain("GITHUB_TOKEN or --token-file");
    expect(text).toContain("Create a new one and restart the server.");
    expect(text).not.toMatch(/reconnect|sign in again/i);
    expect(text).not.toContain(hubotToken);
  });

  it("a tool span carries mcp.transport=stdio, network.transport=pipe and the caller's trace", async () => {
    const trace = traceparent();
    await callTool(session.client, "whoami", {}, { traceparent: trace.traceparent });
    const span = await spanOf(trace.traceId, "tools/call whoami");
    expect(span.parent_span_id).toBe(trace.spanId);
    expect(span.attrs["mcp.transport"]).toBe("stdio");
    expect(span.attrs["network.transport"]).toBe("pipe");
    expect(span.attrs["network.protocol.name"]).toBeUndefined();
    expect(span.attrs["mcp.client.name"]).toBe(CLIENT_INFO.name);
    expect(span.attrs["client.family"]).toBe("claude");
    expect(span.attrs["user.name"]).toBe("octocat");
    expect(span.attrs["mcp.outcome"]).toBe("success");
    // GitHub's request, named by its route template, inside the tool's trace.
    const request = await eventually(
      () => spans().find((s) => s.trace_id === trace.traceId && s.attrs["sentry.op"] === "http.client"),
      "the GitHub request span",
    );
    expect(request.attrs["url.template"] ?? request.name).toContain("/user");
  });

  it("a call without a traceparent starts a trace of its own", async () => {
    const before = new Set(spans().map((span) => span.trace_id));
    await callTool(session.client, "whoami");
    await callTool(session.client, "whoami");
    const fresh = await eventually(() => {
      const found = spans().filter((span) => span.name === "tools/call whoami" && !before.has(span.trace_id));
      return found.length >= 2 ? found : undefined;
    }, "two new whoami traces");
    expect(new Set(fresh.map((span) => span.trace_id)).size).toBe(fresh.length);
  });

  it("stdout carried JSON-RPC messages only; stderr JSON log lines only", () => {
    const lines = session.run.stdoutLines.filter((line) => line !== "");
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines)
      expect(JSONRPCMessageSchema.safeParse(JSON.parse(line)).success, line).toBe(true);
    expect(session.errors).toEqual([]);
    const logs = session.run.stderr.split("\n").filter((line) => line !== "");
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(JSON.parse(line), line).toHaveProperty("level");
    expect(servingLine(session.run).telemetry).toBe("sentry");
  });

  it("nothing sent to Sentry carries the token or the fake GitHub's private data (privacy scan)", async () => {
    // octocat's repository list includes a private one; the scan looks for its name, and for the token.
    await callTool(session.client, "list_repositories", {});
    await callTool(session.client, "get_issue", { owner: "octocat", repo: "dotfiles", number: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(sentry.sink.envelopes().length).toBeGreaterThan(0);
    expect(leaksIn(sentry.sink.envelopes(), [token])).toEqual([]);
  });
});

describe("observable-mcp over stdio, OTLP only (no SENTRY_DSN)", () => {
  let session;
  let receiver;
  let collector;
  let sinkBefore;
  beforeAll(async () => {
    collector = await serveFetch((request) => receiver.fetch(request));
    receiver = createOtlpReceiver(collector.url);
    sinkBefore = sentry.sink.envelopes().length;
    session = await connectStdio(
      settings({
        GITHUB_TOKEN: token,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_RESOURCE_ATTRIBUTES: "host.kind=stdio-test",
      }),
    );
  });
  afterAll(async () => {
    await session?.client.close();
    await collector?.close();
  });

  const received = () =>
    receiver
      .requests()
      .flatMap((request) => request.message.resourceSpans ?? [])
      .flatMap((resource) => resource.scopeSpans ?? [])
      .flatMap((scope) => scope.spans ?? []);
  const value = (span, key) => {
    const found = span.attributes?.find((kv) => kv.key === key)?.value;
    return (
      found?.stringValue ??
      found?.boolValue ??
      (found?.intValue === undefined ? undefined : Number(found.intValue))
    );
  };
  const spanIn = (traceId, match, what) =>
    eventually(() => received().find((span) => span.traceId === traceId && match(span)), what);

  it("a tool call reaches the collector in the caller's trace, with its GitHub child span", async () => {
    const trace = traceparent();
    const result = await callTool(session.client, "whoami", {}, { traceparent: trace.traceparent });
    expect(result.isError).toBeFalsy();
    const mcp = await spanIn(trace.traceId, (span) => span.name === "tools/call whoami", "the MCP span");
    expect(mcp.parentSpanId).toBe(trace.spanId);
    expect(mcp.kind).toBe(2);
    expect(value(mcp, "mcp.transport")).toBe("stdio");
    expect(value(mcp, "user.name")).toBe("octocat");
    const github = await spanIn(trace.traceId, (span) => span.kind === 3, "the GitHub span");
    expect(github.parentSpanId).toBe(mcp.spanId);
    for (const request of receiver.requests()) {
      expect(request.dropped).toEqual([]);
      const resource = Object.fromEntries(
        (request.message.resourceSpans ?? request.message.resourceLogs)[0].resource.attributes.map((kv) => [
          kv.key,
          kv.value.stringValue,
        ]),
      );
      expect(resource["service.name"]).toBe("observable-mcp");
      expect(resource["service.version"]).toMatch(/^observable-mcp@/);
      expect(resource["mcp.server.name"]).toBe("observable-mcp");
      expect(resource["host.kind"]).toBe("stdio-test");
    }
  });

  it("a GitHub 5xx: the reply quotes the trace id, and the collector has the exception on the span", async () => {
    github.fake.setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const trace = traceparent();
    const result = await callTool(session.client, "whoami", {}, { traceparent: trace.traceparent });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`Trace ID: ${trace.traceId}`);
    expect(textOf(result)).not.toContain("Event ID");
    const mcp = await spanIn(
      trace.traceId,
      (span) => span.name === "tools/call whoami" && span.events?.some((event) => event.name === "exception"),
      "the failed MCP span with its exception",
    );
    expect(mcp.status).toEqual({ code: 2, message: "unavailable" });
    const exception = mcp.events.find((event) => event.name === "exception");
    const stack = String(value(exception, "exception.stacktrace"));
    expect(stack).toMatch(/\(dist-stdio\/main\.mjs:\d+:\d+\)/);
    expect(stack).not.toContain(CLONE);
    for (const request of receiver.requests()) expect(request.raw).not.toContain(CLONE);
  });

  it("logs that telemetry goes to OTLP only", () => {
    expect(servingLine(session.run).telemetry).toBe("otlp");
  });

  it("nothing reaches Sentry, and nothing at the collector carries the token (privacy scan)", async () => {
    // Waits for this call's own span: what earlier tests exported may already be past any count.
    const trace = traceparent();
    await callTool(
      session.client,
      "get_issue",
      { owner: "octocat", repo: "dotfiles", number: 1 },
      { traceparent: trace.traceparent },
    );
    await spanIn(trace.traceId, (span) => span.name === "tools/call get_issue", "the private read's span");
    expect(sentry.sink.envelopes().length).toBe(sinkBefore);
    expect(leaksIn(receiver.requests(), [token])).toEqual([]);
    expect(receiver.requests().some((request) => request.raw.includes("octocat/dotfiles"))).toBe(false);
  });

  it("with SENTRY_SPOTLIGHT in development and no DSN: nothing to Spotlight, and the reply quotes the Trace ID", async () => {
    const own = await connectStdio(
      settings({
        GITHUB_TOKEN: token,
        ENVIRONMENT: "development",
        SENTRY_SPOTLIGHT: `${sentry.url}/api/1/envelope/`,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      }),
    );
    const trace = traceparent();
    let result;
    try {
      github.fake.setFault({ kind: "status", status: 502, path: "/user", times: 1 });
      result = await callTool(own.client, "whoami", {}, { traceparent: trace.traceparent });
      await spanIn(trace.traceId, (span) => span.name === "tools/call whoami", "the failed call's span");
    } finally {
      await own.client.close();
    }
    expect(textOf(result)).toContain(`Trace ID: ${trace.traceId}`);
    expect(textOf(result)).not.toContain("Event ID");
    expect(servingLine(own.run).telemetry).toBe("otlp");
    expect(sentry.sink.envelopes().length).toBe(sinkBefore);
  });
});

describe("the last calls are not lost at exit", () => {
  /** Initialises by hand, then sends one traced whoami; resolves with the run and the trace. */
  async function oneCall(env, beforeCall = () => undefined) {
    const run = spawnBin(env);
    const send = (message) => run.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: CLIENT_INFO },
    });
    await eventually(
      () => run.stdoutLines.some((line) => line.includes('"id":1')) || undefined,
      "initialize",
    );
    send({ method: "notifications/initialized" });
    beforeCall();
    const trace = traceparent();
    send({
      id: 2,
      method: "tools/call",
      params: { name: "whoami", arguments: {}, _meta: { traceparent: trace.traceparent } },
    });
    return { run, trace };
  }

  it("a call made just before stdin closes gets its reply and reaches the sink", async () => {
    const { run, trace } = await oneCall(settings({ GITHUB_TOKEN: token, SENTRY_DSN: sentry.dsn }));
    run.child.stdin.end();
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(run.stdoutLines.some((line) => line.includes('"id":2') && line.includes("octocat"))).toBe(true);
    // Already there when the process has exited: the exit path flushed it.
    expect(
      spans().find((span) => span.trace_id === trace.traceId && span.name === "tools/call whoami"),
    ).toBeDefined();
  });

  it("SIGTERM flushes what was sent before it and exits 143", async () => {
    const { run, trace } = await oneCall(settings({ GITHUB_TOKEN: token, SENTRY_DSN: sentry.dsn }));
    await eventually(() => run.stdoutLines.some((line) => line.includes('"id":2')) || undefined, "the reply");
    run.child.kill("SIGTERM");
    expect(await run.exit).toEqual({ code: 143, signal: null });
    expect(
      spans().find((span) => span.trace_id === trace.traceId && span.name === "tools/call whoami"),
    ).toBeDefined();
  });

  it("sampling is the Worker's: a tool sampled at 0 sends no span, and its metrics instead", async () => {
    const { client, run } = await connectStdio(
      settings({ GITHUB_TOKEN: token, SENTRY_DSN: sentry.dsn, SENTRY_TOOL_SAMPLE_RATES: "whoami=0" }),
      [],
      process.execPath,
      { name: "cursor-sampling", version: "1.0.0" },
    );
    expect(textOf(await callTool(client, "whoami"))).toContain("octocat");
    await client.close();
    // The process has exited, flushed: the stderr line names the call's (unsampled) trace.
    const line = run.stderr.split("\n").find((l) => l.includes('"message":"tools/call whoami success"'));
    const traceId = JSON.parse(line ?? "{}").trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const metrics = sentry.sink
      .envelopes()
      .flatMap((envelope) => envelope.items.filter((item) => item.type === "trace_metric"))
      .flatMap((item) => item.payload.items ?? [])
      .filter((metric) => metric.trace_id === traceId);
    const calls = metrics.find((metric) => metric.name === "mcp.tool.calls");
    expect(calls?.attributes?.["mcp.transport"]?.value).toBe("stdio");
    expect(calls?.attributes?.["client.family"]?.value).toBe("cursor");
    expect(spans().filter((span) => span.trace_id === traceId)).toEqual([]);
    // The same session's initialize was sampled at the default rate, so telemetry did flow.
    expect(
      spans().some(
        (span) => span.name === "initialize" && span.attrs["mcp.client.name"] === "cursor-sampling",
      ),
    ).toBe(true);
  });

  it("a call the client cancelled is not waited for at exit (it never gets a response)", async () => {
    let before = 0;
    try {
      // After start-up's own GET /user: the call's is the one held.
      const { run } = await oneCall(settings({ GITHUB_TOKEN: token }), () => {
        before = github.fake.requests.length;
        github.fake.setFault({ kind: "hang", path: "/user", times: 1 });
      });
      await eventually(() => github.fake.requests.length > before || undefined, "the held GitHub request");
      run.child.stdin.write(
        `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 2 } })}\n`,
      );
      run.child.stdin.end();
      expect(await run.exit).toEqual({ code: 0, signal: null });
      expect(run.stderr).toContain("stopping: stdin closed");
      expect(run.stderr).not.toContain("still in flight");
      expect(run.stdoutLines.some((line) => line.includes('"id":2'))).toBe(false);
    } finally {
      github.fake.setFault(null);
    }
  });

  it("without SENTRY_DSN nothing is sent, even with a Spotlight URL in development", async () => {
    const before = sentry.sink.envelopes().length;
    const { run } = await oneCall(
      settings({
        GITHUB_TOKEN: token,
        ENVIRONMENT: "development",
        SENTRY_SPOTLIGHT: `${sentry.url}/api/1/envelope/`,
      }),
    );
    await eventually(() => run.stdoutLines.some((line) => line.includes('"id":2')) || undefined, "the reply");
    run.child.stdin.end();
    expect((await run.exit).code).toBe(0);
    expect(servingLine(run).telemetry).toBe("off");
    expect(sentry.sink.envelopes().length).toBe(before);
  });
});

describe("start-up: the token is checked before any client is served", () => {
  it("no GITHUB_TOKEN: exits 2 and says which variable to set", async () => {
    const run = spawnBin(settings());
    expect((await run.exit).code).toBe(2);
    expect(run.stderr).toContain("GITHUB_TOKEN is not set");
    expect(run.stdoutLines.filter(Boolean)).toEqual([]);
  });

  it("a token GitHub refuses (401): exits 3, names GITHUB_TOKEN, never prints the token", async () => {
    const bad = `ghp_${"x".repeat(36)}`;
    const run = spawnBin(settings({ GITHUB_TOKEN: bad }));
    expect((await run.exit).code).toBe(3);
    expect(run.stderr).toContain("refused GITHUB_TOKEN (401");
    expect(run.stderr).not.toContain(bad);
    expect(run.stderr).not.toContain("x".repeat(12));
    expect(run.stdoutLines.filter(Boolean)).toEqual([]);
  });

  it("--token-file: a good token serves; a refused one is named by its file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stdio-token-"));
    try {
      const file = join(dir, "token");
      writeFileSync(file, `${token}\n`);
      const { client } = await connectStdio(settings(), ["--token-file", file]);
      expect(textOf(await callTool(client, "whoami"))).toContain("octocat");
      await client.close();
      const bad = `github_pat_${"y".repeat(40)}`;
      writeFileSync(file, bad);
      const run = spawnBin(settings({ GITHUB_TOKEN: token }), ["--token-file", file]);
      expect((await run.exit).code).toBe(3);
      expect(run.stderr).toContain(`--token-file ${file}`);
      expect(run.stderr).not.toContain(bad);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** util-linux `script`, which runs a command on a pseudo-terminal (Debian ships it in bsdutils). */
const script = ["/usr/bin/script", "/bin/script"].find((path) => existsSync(path));

describe.skipIf(!script)("on a terminal", () => {
  it("log lines are readable text, not JSON", () => {
    const command = `env -i PATH="$PATH" ENVIRONMENT=test "${process.execPath}" "${BIN}"`;
    let output = "";
    try {
      execFileSync(script, ["-qec", command, "/dev/null"], { encoding: "utf8" });
    } catch (error) {
      expect(error.status).toBe(2);
      output = error.stdout;
    }
    expect(output).toMatch(/^\d\d:\d\d:\d\d ERROR observable-mcp: GITHUB_TOKEN is not set/m);
    expect(output).not.toContain('{"level"');
  });
});

/** The machine's Node 20 (CI's), where there is one besides the Node 22 npm runs the tests with. */
const node20 = ["/usr/bin/node", "/usr/local/bin/node"].find((path) => {
  try {
    return existsSync(path) && execFileSync(path, ["--version"], { encoding: "utf8" }).startsWith("v20.");
  } catch {
    return false;
  }
});

describe.skipIf(!node20)("on Node 20", () => {
  it("the bin answers tools/list and whoami through the SDK's own stdio client", async () => {
    const transport = new StdioClientTransport({
      command: node20,
      args: [BIN],
      env: settings({ GITHUB_TOKEN: token }),
      stderr: "pipe",
    });
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
      expect(textOf(await callTool(client, "whoami"))).toContain("octocat");
    } finally {
      await client.close();
    }
  });
});

describe("the same call gives the same text over stdio and over the Worker's /mcp", () => {
  const ORIGIN = "https://observable-mcp.test";
  let mf;
  let work;
  let worker;
  let stdio;

  beforeAll(async () => {
    const { Miniflare, convertV4MiniflareOptions } = await import("miniflare");
    work = mkdtempSync(join(tmpdir(), "stdio-parity-"));
    const build = await buildWorker(join(work, "dist"));
    const { vars, ...runtime } = await workerRuntimeOptions();
    mf = new Miniflare(
      convertV4MiniflareOptions({
        modules: true,
        scriptPath: build.script,
        modulesRoot: build.outdir,
        ...runtime,
        bindings: {
          ...vars,
          ENVIRONMENT: "test",
          GITHUB_WEB_URL: github.url,
          GITHUB_API_URL: github.api,
          GITHUB_CLIENT_ID: CLIENT_ID,
          GITHUB_CLIENT_SECRET: CLIENT_SECRET,
          GITHUB_TIMEOUT_MS: "1000",
          PUBLIC_URL: "",
          SENTRY_DSN: "",
        },
        outboundService: (request) =>
          github.fake.handles(request)
            ? github.fake.fetch(request)
            : new Response("parity test: outbound blocked", { status: 599 }),
        handleStructuredLogs: () => {},
      }),
    );
    await mf.ready;
    const dispatch = async (request) => {
      if (new URL(request.url).origin !== ORIGIN) return github.fake.fetch(request);
      const body =
        request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      return mf.dispatchFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body,
        redirect: "manual",
      });
    };
    const { accessToken } = await signIn(ORIGIN, { login: "octocat", clientName: "parity", fetch: dispatch });
    worker = new Client(CLIENT_INFO, { capabilities: {} });
    await worker.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), {
        fetch: (input, init = {}) => {
          const headers = new Headers(init.headers);
          headers.set("Authorization", `Bearer ${accessToken}`);
          return mf.dispatchFetch(String(input instanceof URL ? input.href : input), { ...init, headers });
        },
      }),
    );
    stdio = (await connectStdio(settings({ GITHUB_TOKEN: token }))).client;
  });

  afterAll(async () => {
    await stdio?.close();
    await worker?.close();
    await mf?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const masked = (text) => text.replace(/Event ID: [0-9a-f]{32}/g, "Event ID: <id>");

  it("tools/list is the same catalog, schemas and annotations included", async () => {
    expect((await stdio.listTools()).tools).toEqual((await worker.listTools()).tools);
  });

  it.each([
    ["whoami", {}],
    ["list_repositories", { owner: "octocat" }],
    ["list_repositories", {}],
    ["search_issues", { query: "repo:octocat/hello-world is:issue" }],
    ["get_issue", { owner: "octocat", repo: "hello-world", number: 1 }],
    ["get_issue", { owner: "octocat", repo: "hello-world", number: 9999 }],
    ["get_issue", { owner: "octocat", repo: "..", number: 1 }],
  ])("%s %j", async (name, args) => {
    const [overStdio, overMcp] = [await callTool(stdio, name, args), await callTool(worker, name, args)];
    expect(overStdio.isError ?? false).toBe(overMcp.isError ?? false);
    expect(masked(textOf(overStdio))).toBe(masked(textOf(overMcp)));
    expect(textOf(overStdio).length).toBeGreaterThan(20);
  });

  it("a GitHub 5xx reads the same (but for its Event ID)", async () => {
    github.fake.setFault({ kind: "status", status: 503, path: "/user", times: 2 });
    const [overStdio, overMcp] = [await callTool(stdio, "whoami"), await callTool(worker, "whoami")];
    expect(textOf(overStdio)).toContain("GitHub could not complete this.");
    expect(masked(textOf(overStdio))).toBe(masked(textOf(overMcp)));
  });

  it("the readme resource and the triage prompt", async () => {
    const uri = "github://repos/octocat/hello-world/readme";
    expect((await stdio.readResource({ uri })).contents).toEqual(
      (await worker.readResource({ uri })).contents,
    );
    const get = { name: "triage_issue", arguments: { owner: "octocat", repo: "hello-world", number: "2" } };
    expect((await stdio.getPrompt(get)).messages).toEqual((await worker.getPrompt(get)).messages);
  });
});

// Last, so it reads what every stdio process of this file sent, the parity session's and exit tests' too.
describe("the privacy scan over stdio", () => {
  it("no envelope any stdio process sent carries a token or the fake GitHub's private data", () => {
    expect(sentry.sink.envelopes().length).toBeGreaterThan(20);
    expect(leaksIn(sentry.sink.envelopes(), [token])).toEqual([]);
    // The scan itself sees what it looks for (it was loaded into Node through esbuild).
    expect(leaksIn([{ raw: `{"a":"${token}"}` }], [token])).not.toEqual([]);
    expect(leaksIn([{ raw: '{"repo":"octocat/dotfiles"}' }], [])).not.toEqual([]);
  });
});
