import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { EmptyResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultWithSecrets, setFault } from "./helpers/github";
import { callTraced, connect, newTraceparent, type Transport } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import {
  attr,
  envelopes,
  itemsOf,
  type SentSpan,
  spansOf,
  waitFor,
  waitForEvent,
  waitForSpan,
} from "./helpers/sink";

type Item = {
  attributes?: Record<string, { value: unknown }>;
  name?: string;
  body?: string;
  trace_id?: string;
  span_id?: string;
};

/** Log or metric items (payload `{ items: [...] }`) of one type. */
function itemsOfType(list: Awaited<ReturnType<typeof envelopes>>, type: string): Item[] {
  return itemsOf(list, type).flatMap((item) => (item.payload as { items?: Item[] }).items ?? []);
}

/** Calls a tool in a trace the caller sampled out (`-00`), as an agent sampling at a low rate would. */
async function callUnsampled(client: Client, name: string, args: Record<string, unknown> = {}) {
  const trace = newTraceparent();
  const traceparent = trace.traceparent.replace(/-01$/, "-00");
  const result = await client.callTool({ name, arguments: args, _meta: { traceparent } });
  return { result, ...trace };
}

function sessionSpans(list: Awaited<ReturnType<typeof envelopes>>, clientId: string): SentSpan[] {
  return spansOf(list).filter(
    (span) => attr(span, "client.id") === clientId && attr(span, "mcp.method.name"),
  );
}

describe.each<Transport>(["streamable-http", "sse"])("telemetry over %s", (transport) => {
  let client: Client;
  let clientId: string;

  beforeAll(async () => {
    const session = await signIn("octocat", `Telemetry ${transport}`);
    clientId = session.clientId;
    client = await connect(transport, session.token, { name: "Cursor", version: "1.7.2" });
  });
  afterAll(async () => {
    await setFault(null);
    await client.close();
  });

  it("opens a span for every MCP method the server handles, named after the conventions", async () => {
    await client.listTools();
    await client.listResourceTemplates();
    await client.listPrompts();
    await client.readResource({ uri: "github://repos/octocat/hello-world/readme" });
    await client.getPrompt({
      name: "triage_issue",
      arguments: { owner: "octocat", repo: "hello-world", number: "1" },
    });
    await client.callTool({ name: "whoami", arguments: {} });
    const expected = [
      "initialize",
      "notifications/initialized",
      "tools/list",
      "resources/templates/list",
      "prompts/list",
      "resources/read github://repos/{owner}/{repo}/readme",
      "prompts/get triage_issue",
      "tools/call whoami",
    ];
    const spans = await waitFor((list) => {
      const names = new Set(
        spansOf(list)
          .filter((span) => attr(span, "client.id") === clientId || span.name === "notifications/initialized")
          .map((span) => span.name),
      );
      return expected.every((name) => names.has(name)) ? sessionSpans(list, clientId) : undefined;
    });
    const byName = new Map(spans.map((span) => [span.name, span]));
    const init = byName.get("initialize");
    expect(init && attr(init, "mcp.client.name")).toBe("Cursor");
    expect(init && attr(init, "mcp.client.version")).toBe("1.7.2");
    expect(init && attr(init, "client.family")).toBe("cursor");
    expect(init && attr(init, "mcp.protocol.version")).toMatch(/^\d{4}-\d\d-\d\d$/);
    const call = byName.get("tools/call whoami");
    expect(call && attr(call, "gen_ai.tool.name")).toBe("whoami");
    expect(call && attr(call, "gen_ai.operation.name")).toBe("execute_tool");
    expect(call && attr(call, "jsonrpc.request.id")).toMatch(/^\d+$/);
    expect(call && attr(call, "mcp.session.id")).toBeTruthy();
    expect(call && attr(call, "network.transport")).toBe("tcp");
    expect(call && attr(call, "mcp.transport")).toBe(transport);
    expect(call && attr(call, "mcp.client.name")).toBe("Cursor");
    expect(call && attr(call, "client.family")).toBe("cursor");
    // Not the Durable Object's WebSocket upgrade request, which the scope would otherwise lend it.
    expect(call && attr(call, "http.request.method")).toBeUndefined();
    expect(call && attr(call, "url.full")).toBeUndefined();
    const prompt = byName.get("prompts/get triage_issue");
    expect(prompt && attr(prompt, "gen_ai.prompt.name")).toBe("triage_issue");
    for (const span of spans) expect(span.is_segment, span.name).toBe(true);
  });

  it("sends no framework plumbing spans: storage bookkeeping, WebSocket upgrade and close", async () => {
    const call = await callTraced(client, "whoami");
    await waitForSpan("tools/call whoami", (s) => s.trace_id === call.traceId);
    const plumbing = spansOf(await envelopes()).filter(
      (span) =>
        span.name.startsWith("durable_object_storage_") ||
        span.name === "webSocketClose" ||
        (attr(span, "sentry.op") === "http.server" &&
          JSON.stringify(span.attributes["http.request.header.upgrade"] ?? "").includes("websocket")),
    );
    expect(plumbing.map((span) => span.name)).toEqual([]);
    const inTrace = spansOf(await envelopes()).filter((span) => span.trace_id === call.traceId);
    expect(inTrace.map((span) => span.name).sort()).toEqual(["GET api.github.test", "tools/call whoami"]);
  });

  it("joins the caller's trace from _meta, and carries it on to GitHub", async () => {
    const call = await callTraced(client, "whoami");
    const span = await waitForSpan("tools/call whoami", (s) => s.trace_id === call.traceId);
    expect(span.parent_span_id).toBe(call.parentSpanId);
    const log = await fetch("http://api.github.test/__fake/requests");
    const requests = (await log.json()) as Array<{ url: string; headers: Record<string, string> }>;
    const toGitHub = requests.filter(
      (r) => r.url.endsWith("/user") && r.headers.traceparent?.includes(call.traceId),
    );
    expect(toGitHub.length).toBe(1);
    expect(toGitHub[0]?.headers["sentry-trace"]).toContain(call.traceId);
  });

  it("falls back to the HTTP traceparent, and links it when _meta carries the parent", async () => {
    let header: Record<string, string> = {};
    const session = await signIn("octocat", `Header trace ${transport}`);
    const viaHeader = await connect(transport, session.token, { name: "agent", version: "1" }, () => header);
    try {
      const http = newTraceparent();
      header = { traceparent: http.traceparent };
      await viaHeader.callTool({ name: "whoami", arguments: {} });
      const fromHeader = await waitForSpan("tools/call whoami", (s) => s.trace_id === http.traceId);
      expect(fromHeader.parent_span_id).toBe(http.parentSpanId);

      const outer = newTraceparent();
      header = { traceparent: outer.traceparent };
      const call = await callTraced(viaHeader, "whoami");
      const both = await waitForSpan("tools/call whoami", (s) => s.trace_id === call.traceId);
      expect(both.parent_span_id).toBe(call.parentSpanId);
      expect(both.links?.map((link) => [link.trace_id, link.span_id])).toEqual([
        [outer.traceId, outer.parentSpanId],
      ]);
    } finally {
      await viaHeader.close();
    }
  });

  it("answers an unknown method with -32601, counted as a protocol error", async () => {
    const trace = newTraceparent();
    await expect(
      client.request(
        { method: "tools/destroy", params: { _meta: { traceparent: trace.traceparent } } },
        EmptyResultSchema,
      ),
    ).rejects.toThrow(/Method not found/);
    const span = await waitForSpan("unknown", (s) => s.trace_id === trace.traceId);
    expect(attr(span, "mcp.outcome")).toBe("protocol_error");
    expect(attr(span, "rpc.jsonrpc.error_code")).toBe(-32601);
  });

  it("respects a caller that sampled its trace out, but still sends errors", async () => {
    const trace = newTraceparent();
    const unsampled = trace.traceparent.replace(/-01$/, "-00");
    await setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const result = await client.callTool({
      name: "whoami",
      arguments: {},
      _meta: { traceparent: unsampled },
    });
    const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
    const eventId = /Event ID: ([0-9a-f]{32})/.exec(text)?.[1] ?? "";
    const event = await waitForEvent(eventId);
    expect((event.contexts as { trace: { trace_id: string } }).trace.trace_id).toBe(trace.traceId);
    await client.callTool({ name: "whoami", arguments: {} }); // a later, sampled call flushes the session
    const list = await envelopes();
    expect(spansOf(list).filter((s) => s.trace_id === trace.traceId)).toEqual([]);
  });

  it("describes arguments by shape, validity and a stable hash, never by value", async () => {
    const a = await callTraced(client, "search_issues", {
      query: "label:bug flaky private-words",
      perPage: 5,
    });
    const b = await callTraced(client, "search_issues", {
      perPage: 5,
      query: "label:bug flaky private-words",
    });
    const [spanA, spanB] = await Promise.all([
      waitForSpan("tools/call search_issues", (s) => s.trace_id === a.traceId),
      waitForSpan("tools/call search_issues", (s) => s.trace_id === b.traceId),
    ]);
    expect(attr(spanA, "mcp.arguments.hash")).toBe(attr(spanB, "mcp.arguments.hash"));
    expect(attr(spanA, "mcp.arguments.valid")).toBe(true);
    expect(attr(spanA, "mcp.arguments.keys")).toBe("perPage,query");
    expect(attr(spanA, "mcp.argument.query.length")).toBe("label:bug flaky private-words".length);
    expect(JSON.stringify(spanA)).not.toContain("private-words");
  });

  it("counts a schema rejection as a validation error with the failing path and reason", async () => {
    const call = await callTraced(client, "get_issue", { owner: "octocat", repo: "hello-world", number: 0 });
    expect(call.result.isError).toBe(true);
    const span = await waitForSpan("tools/call get_issue", (s) => s.trace_id === call.traceId);
    expect(attr(span, "mcp.outcome")).toBe("validation_error");
    expect(attr(span, "error.type")).toBe("tool_error");
    expect(attr(span, "mcp.arguments.valid")).toBe(false);
    expect(attr(span, "mcp.arguments.invalid_path")).toBe("number");
    expect(attr(span, "mcp.arguments.invalid_reason")).toMatch(/^too_small: /);
    expect(span.status).toBe("error");
  });

  it("keeps concurrent calls of one session apart: each span gets its own call's outcome and organisation", async () => {
    // Per-request state travels in AsyncLocalStorage; overlapping calls must not see each other's.
    const [found, missing] = await Promise.all([
      callTraced(client, "list_repositories", { owner: "octo-org", perPage: 2 }),
      callTraced(client, "list_repositories", { owner: "no-such-org-zz" }),
    ]);
    expect(found.result.isError).toBe(false);
    expect(missing.result.isError).toBe(true);
    const [ok, failed] = await Promise.all([
      waitForSpan("tools/call list_repositories", (s) => s.trace_id === found.traceId),
      waitForSpan("tools/call list_repositories", (s) => s.trace_id === missing.traceId),
    ]);
    expect(attr(ok, "mcp.outcome")).toBe("success");
    expect(attr(ok, "mcp.tool.error_kind")).toBeUndefined();
    expect(attr(ok, "organization.slug")).toBe("octo-org");
    expect(attr(failed, "mcp.outcome")).toBe("tool_error");
    expect(attr(failed, "mcp.tool.error_kind")).toBe("upstream_not_found");
    expect(attr(failed, "organization.slug")).toBe("no-such-org-zz");
  });

  it("answers an unknown tool with a JSON-RPC error, counted as a protocol error", async () => {
    const trace = newTraceparent();
    await expect(
      client.callTool({ name: "drop_database", arguments: {}, _meta: { traceparent: trace.traceparent } }),
    ).rejects.toThrow(/Unknown tool: drop_database/);
    const span = await waitForSpan("tools/call", (s) => s.trace_id === trace.traceId);
    expect(attr(span, "mcp.outcome")).toBe("protocol_error");
    expect(attr(span, "error.type")).toBe("protocol_error");
    expect(attr(span, "rpc.jsonrpc.error_code")).toBe(-32602);
  });

  it("counts a cancelled call apart", async () => {
    await setFault({ kind: "hang", path: "/user", times: 1 });
    const trace = newTraceparent();
    const controller = new AbortController();
    const pending = client.callTool(
      { name: "whoami", arguments: {}, _meta: { traceparent: trace.traceparent } },
      undefined,
      {
        signal: controller.signal,
      },
    );
    const fakeSawIt = async () => {
      for (let i = 0; i < 50; i++) {
        const requests = (await (await fetch("http://api.github.test/__fake/requests")).json()) as Array<{
          headers: Record<string, string>;
        }>;
        if (requests.some((r) => r.headers.traceparent?.includes(trace.traceId))) return;
        await scheduler.wait(20);
      }
    };
    await fakeSawIt();
    controller.abort("user pressed stop");
    await expect(pending).rejects.toThrow();
    const span = await waitForSpan("tools/call whoami", (s) => s.trace_id === trace.traceId);
    expect(attr(span, "mcp.outcome")).toBe("cancelled");
  });

  it("keeps the session's call order and marks resource re-reads", async () => {
    const first = await callTraced(client, "whoami");
    const second = await callTraced(client, "list_repositories", { perPage: 1 });
    const [a, b] = await Promise.all([
      waitForSpan("tools/call whoami", (s) => s.trace_id === first.traceId),
      waitForSpan("tools/call list_repositories", (s) => s.trace_id === second.traceId),
    ]);
    expect(attr(b, "mcp.session.call_index")).toBe(Number(attr(a, "mcp.session.call_index")) + 1);
    expect(attr(b, "mcp.session.previous_tool")).toBe("whoami");

    const uri = "github://repos/octocat/spoon-knife/readme";
    const reads: string[] = [];
    for (let i = 0; i < 2; i++) {
      const trace = newTraceparent();
      await client.readResource({ uri, _meta: { traceparent: trace.traceparent } });
      reads.push(trace.traceId);
    }
    const [r1, r2] = await Promise.all(
      reads.map((id) =>
        waitForSpan("resources/read github://repos/{owner}/{repo}/readme", (s) => s.trace_id === id),
      ),
    );
    expect(r1 && attr(r1, "mcp.resource.reread")).toBe(false);
    expect(r2 && attr(r2, "mcp.resource.reread")).toBe(true);
    expect(Number(r2 && attr(r2, "mcp.session.reread_count"))).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(r2)).not.toContain("spoon-knife");
  });

  it("emits metrics for a call no sampled span describes, by tool, outcome, client family and transport, and logs failures with their trace", async () => {
    const args = { owner: "octocat", repo: "hello-world", number: 3 };
    const sampled = await callTraced(client, "get_issue", args);
    const span = await waitForSpan("tools/call get_issue", (s) => s.trace_id === sampled.traceId);
    expect(attr(span, "mcp.outcome")).toBe("success");
    expect(attr(span, "mcp.result.bytes")).toBeGreaterThan(50);
    const quiet = await callUnsampled(client, "get_issue", args);
    const metric = await waitFor((list) =>
      itemsOfType(list, "trace_metric").find(
        (m) => m.name === "mcp.tool.calls" && m.trace_id === quiet.traceId,
      ),
    );
    expect(metric.attributes?.["mcp.target"]?.value).toBe("get_issue");
    expect(metric.attributes?.["mcp.outcome"]?.value).toBe("success");
    expect(metric.attributes?.["client.family"]?.value).toBe("cursor");
    expect(metric.attributes?.["mcp.transport"]?.value).toBe(transport);
    const duration = await waitFor((list) =>
      itemsOfType(list, "trace_metric").find(
        (m) => m.name === "mcp.server.operation.duration" && m.trace_id === quiet.traceId,
      ),
    );
    expect(duration.attributes?.["mcp.method.name"]?.value).toBe("tools/call");
    const failed = await callTraced(client, "get_issue", { ...args, number: 0 });
    const log = await waitFor((list) =>
      itemsOfType(list, "log").find(
        (l) => l.trace_id === failed.traceId && l.body === "tools/call get_issue validation_error",
      ),
    );
    expect(log.attributes?.["mcp.outcome"]?.value).toBe("validation_error");
    expect(log.attributes?.["mcp.target"]?.value).toBe("get_issue");
    expect(log.attributes?.["mcp.session.id"]?.value).toBe(attr(span, "mcp.session.id"));
    // Successes are said once: no metric repeats the sampled span, and neither success has a Sentry
    // log line (both calls flushed before the failure's line, which has arrived).
    const list = await envelopes();
    expect(itemsOfType(list, "trace_metric").filter((m) => m.trace_id === sampled.traceId)).toEqual([]);
    const logged = new Set(itemsOfType(list, "log").map((l) => l.trace_id));
    expect([logged.has(sampled.traceId), logged.has(quiet.traceId)]).toEqual([false, false]);
  });

  it("estimates the tokens a call took from and added to the model's context, per call and per tool", async () => {
    const args = { owner: "octocat", repo: "hello-world", number: 1 };
    const call = await callTraced(client, "get_issue", args);
    const span = await waitForSpan("tools/call get_issue", (s) => s.trace_id === call.traceId);
    const resultTokens = Number(attr(span, "mcp.tool.result.tokens_estimate"));
    // The reply is a few hundred characters of English: roughly 3 to 6 characters per token.
    expect(resultTokens).toBeGreaterThan(call.text.length / 6);
    expect(resultTokens).toBeLessThan(call.text.length / 3);
    expect(Number(attr(span, "mcp.tool.arguments.tokens_estimate"))).toBeGreaterThan(5);
    expect(attr(span, "mcp.tokens.estimator")).toBe("o200k-pretoken-heuristic@1");
    const quiet = await callUnsampled(client, "get_issue", args);
    const metric = await waitFor((list) =>
      itemsOfType(list, "trace_metric").find(
        (m) =>
          m.name === "mcp.tool.context_tokens" &&
          m.trace_id === quiet.traceId &&
          m.attributes?.["mcp.tokens.direction"]?.value === "result",
      ),
    );
    expect(metric.attributes?.["mcp.target"]?.value).toBe("get_issue");
  });

  it("scrubs tokens, bearer credentials and emails out of a reported error", async () => {
    const { forbidden } = await faultWithSecrets(`Private${transport === "sse" ? "Sse" : "Http"}`);
    const call = await callTraced(client, "whoami");
    const eventId = /Event ID: ([0-9a-f]{32})/.exec(call.text)?.[1] ?? "";
    const event = JSON.stringify(await waitForEvent(eventId));
    expect(event).toContain("GitHub answered 500 to GET /user");
    for (const value of forbidden) expect(event).not.toContain(value);
    expect(event).toContain("[redacted]");
    for (const value of forbidden) expect(call.text).not.toContain(value);
  });
});
