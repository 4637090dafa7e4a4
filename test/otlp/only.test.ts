import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { faultWithSecrets, setFault } from "../helpers/github";
import { callTraced, connect, newTraceparent, type Transport, textOf } from "../helpers/mcp";
import { signIn } from "../helpers/oauth";
import {
  otlpAttr,
  otlpRequests,
  otlpValue,
  receivedLogs,
  receivedSpans,
  refusedAtLeast,
  resourceOf,
  setReceiverMode,
  waitForOtlp,
} from "../helpers/otlp";
import { envelopes, mark } from "../helpers/sink";

// This project runs with OTEL_EXPORTER_OTLP_ENDPOINT=http://otlp.test and no SENTRY_DSN.

/** The spans of one trace, once the MCP span and its GitHub child have both arrived. */
function callTree(traceId: string, name = "tools/call whoami") {
  return waitForOtlp((list) => {
    const spans = receivedSpans(list).filter((span) => span.traceId === traceId);
    const mcp = spans.find((span) => span.name === name);
    const github = spans.find((span) => span.name.startsWith("GET api.github.test"));
    return mcp && github ? { mcp, github, spans } : undefined;
  });
}

describe.each<Transport>(["streamable-http", "sse"])("OTLP only, over %s", (transport) => {
  let client: Client;
  let clientId: string;
  let sinkMark: number;

  beforeAll(async () => {
    sinkMark = await mark();
    const session = await signIn("octocat", `OTLP only ${transport}`);
    clientId = session.clientId;
    client = await connect(transport, session.token, { name: "Cursor", version: "1.7.2" });
  });
  afterAll(async () => {
    await setFault(null);
    await setReceiverMode({ mode: "ok" });
    await client.close();
  });

  it("puts a tool call in the caller's trace from _meta.traceparent, with its GitHub child span", async () => {
    const call = await callTraced(client, "whoami");
    expect(call.result.isError).toBeFalsy();
    const { mcp, github } = await callTree(call.traceId);
    expect(mcp.traceId).toBe(call.traceId);
    expect(mcp.parentSpanId).toBe(call.parentSpanId);
    expect(github.parentSpanId).toBe(mcp.spanId);
    expect(mcp.kind).toBe(2); // SPAN_KIND_SERVER
    expect(github.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(mcp.status?.code).toBe(1); // STATUS_CODE_OK
    expect(BigInt(mcp.endTimeUnixNano) >= BigInt(mcp.startTimeUnixNano)).toBe(true);
    // Typed attributes, as opentelemetry-proto AnyValues.
    expect(otlpAttr(mcp, "mcp.method.name")).toEqual({ stringValue: "tools/call" });
    expect(otlpAttr(mcp, "gen_ai.tool.name")).toEqual({ stringValue: "whoami" });
    expect(otlpAttr(mcp, "mcp.transport")).toEqual({ stringValue: transport });
    expect(otlpAttr(mcp, "client.id")).toEqual({ stringValue: clientId });
    expect(otlpAttr(mcp, "mcp.arguments.valid")).toEqual({ boolValue: true });
    expect(otlpAttr(mcp, "mcp.session.call_index")).toEqual({ intValue: expect.stringMatching(/^\d+$/) });
    expect(otlpValue(mcp, "mcp.outcome")).toBe("success");
    expect(otlpValue(github, "url.template")).toMatch(/\/user$/);
  });

  it("names the service in every request's resource, and the schema kept every field sent", async () => {
    // Only this call's requests: other projects' files share the receiver.
    const since = (await otlpRequests()).length;
    const call = await callTraced(client, "whoami");
    await callTree(call.traceId);
    const requests = (await otlpRequests()).slice(since);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(request.dropped, request.path).toEqual([]);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.encoding).toBe("gzip");
      const resource = resourceOf(request);
      expect(resource["service.name"]).toBe("mcp-under-test");
      expect(resource["deployment.environment"]).toBe("test");
      expect(resource["deployment.environment.name"]).toBe("test");
      expect(resource["mcp.server.name"]).toBe("observable-mcp");
    }
    expect(new Set(requests.map((request) => request.path))).toContain("/v1/traces");
  });

  it("records the shape of the arguments, never their values", async () => {
    const query = `otlp-needle-${transport}-${crypto.randomUUID()}`;
    const call = await callTraced(client, "search_issues", { query, perPage: 7 });
    const span = await waitForOtlp((list) =>
      receivedSpans(list).find((s) => s.traceId === call.traceId && s.name === "tools/call search_issues"),
    );
    expect(otlpValue(span, "mcp.arguments.keys")).toBe("perPage,query");
    expect(otlpValue(span, "mcp.argument.query.length")).toBe(query.length);
    expect(otlpAttr(span, "mcp.argument.perPage.value")).toEqual({ intValue: "7" });
    const raw = (await otlpRequests()).map((request) => request.raw).join("\n");
    expect(raw).not.toContain(query);
  });

  it("quotes the trace id in an unexpected failure's reply; the collector has the exception on the span", async () => {
    await setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const call = await callTraced(client, "whoami");
    expect(call.result.isError).toBe(true);
    expect(call.text).not.toMatch(/Event ID/);
    expect(/Trace ID: ([0-9a-f]{32})/.exec(call.text)?.[1]).toBe(call.traceId);
    const mcp = await waitForOtlp((list) =>
      receivedSpans(list).find((s) => s.traceId === call.traceId && s.name === "tools/call whoami"),
    );
    expect(mcp.status).toEqual({ code: 2, message: "unavailable" }); // STATUS_CODE_ERROR
    expect(otlpValue(mcp, "mcp.outcome")).toBe("tool_error");
    expect(otlpValue(mcp, "mcp.tool.error_kind")).toBe("upstream_server_error");
    const exception = mcp.events?.find((event) => event.name === "exception");
    expect(exception && otlpValue(exception, "exception.type")).toBe("UpstreamError");
    expect(exception && otlpValue(exception, "exception.message")).toMatch(/502/);
    expect(exception && otlpValue(exception, "exception.stacktrace")).toMatch(/UpstreamError/);
    // The failure's log line, in the same trace.
    const log = await waitForOtlp((list) =>
      receivedLogs(list).find(
        (l) =>
          l.traceId === call.traceId &&
          JSON.stringify(l.body) === JSON.stringify({ stringValue: "tools/call whoami tool_error" }),
      ),
    );
    expect(log.spanId).toBe(mcp.spanId);
    expect(otlpValue(log, "mcp.outcome")).toBe("tool_error");
  });

  it("exports a failure in a trace the caller sampled out as an ERROR log record of that trace", async () => {
    await setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const trace = newTraceparent();
    const result = await client.callTool({
      name: "whoami",
      arguments: {},
      _meta: { traceparent: trace.traceparent.replace(/-01$/, "-00") },
    });
    expect(textOf(result)).toContain(`Trace ID: ${trace.traceId}`);
    const log = await waitForOtlp((list) =>
      receivedLogs(list).find((l) => l.traceId === trace.traceId && otlpValue(l, "exception.type")),
    );
    expect(log.severityNumber).toBe(17); // SEVERITY_NUMBER_ERROR
    expect(otlpValue(log, "exception.type")).toBe("UpstreamError");
    expect(receivedSpans(await otlpRequests()).some((span) => span.traceId === trace.traceId)).toBe(false);
  });

  it("scrubs tokens, bearer credentials and emails out of the exception it exports", async () => {
    const { forbidden } = await faultWithSecrets(`Otlp${transport === "sse" ? "Sse" : "Http"}`);
    const call = await callTraced(client, "whoami");
    const mcp = await waitForOtlp((list) =>
      receivedSpans(list).find((s) => s.traceId === call.traceId && s.name === "tools/call whoami"),
    );
    const exception = mcp.events?.find((event) => event.name === "exception");
    const message = String(exception && otlpValue(exception, "exception.message"));
    expect(message).toContain("GitHub answered 500 to GET /user");
    expect(message).toContain("[redacted]");
    const raw = (await otlpRequests()).map((request) => request.raw).join("\n");
    for (const value of forbidden) expect(raw).not.toContain(value);
  });

  it("answers a call while the collector refuses connections, and exports again once it is back", async () => {
    const before = await refusedAtLeast(0, 0);
    const warnings = vi.spyOn(console, "warn");
    await setReceiverMode({ mode: "refuse" });
    const down = await callTraced(client, "whoami");
    expect(down.result.isError).toBeFalsy();
    expect(down.text).toContain("octocat");
    // The export of that call met the refusal (after the reply), and was dropped, and said so once.
    expect(await refusedAtLeast(before + 1)).toBeGreaterThan(before);
    const said = warnings.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.includes("OTLP export dropped"));
    warnings.mockRestore();
    expect(said.length).toBeGreaterThan(0);
    expect(JSON.parse(said[0] ?? "{}")).toMatchObject({ level: "warn", "otlp.signal": "traces" });
    expect(said.join("\n")).not.toContain("otlp.test");
    await setReceiverMode({ mode: "ok" });
    const back = await callTraced(client, "whoami");
    await callTree(back.traceId);
    expect(receivedSpans(await otlpRequests()).some((span) => span.traceId === down.traceId)).toBe(false);
  });

  it("sends nothing to Sentry: there is no DSN", async () => {
    const call = await callTraced(client, "whoami");
    await callTree(call.traceId);
    expect((await envelopes()).slice(sinkMark)).toEqual([]);
  });
});
