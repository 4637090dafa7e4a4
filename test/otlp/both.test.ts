import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFault } from "../helpers/github";
import { callTraced, connect, type Transport } from "../helpers/mcp";
import { signIn } from "../helpers/oauth";
import {
  type KeyValue,
  otlpRequests,
  otlpValue,
  type ReceivedSpan,
  receivedSpans,
  refusedAtLeast,
  resourceOf,
  setReceiverMode,
  waitForOtlp,
} from "../helpers/otlp";
import { answered, type SentSpan, setSinkMode, spansOf, waitFor } from "../helpers/sink";

// This project runs with SENTRY_DSN and signal-specific OTLP endpoints, headers and resource attributes.

/** A span's attributes as key -> plain value, whichever end it came from. */
function sentryAttributes(span: SentSpan): Record<string, unknown> {
  return Object.fromEntries(Object.entries(span.attributes).map(([key, attr]) => [key, attr.value]));
}
function otlpAttributes(span: ReceivedSpan): Record<string, unknown> {
  return Object.fromEntries(
    (span.attributes ?? []).map((kv: KeyValue) => [kv.key, otlpValue({ attributes: [kv] }, kv.key)]),
  );
}

/** The spans of one trace at both ends, once the MCP span and its GitHub child are at both. */
async function bothEnds(traceId: string, name: string) {
  const complete = (names: string[]) => names.includes(name) && names.some((n) => n.startsWith("GET "));
  const otlp = await waitForOtlp((list) => {
    const spans = receivedSpans(list).filter((span) => span.traceId === traceId);
    return complete(spans.map((span) => span.name)) ? spans : undefined;
  });
  const sentry = await waitFor((list) => {
    const spans = spansOf(list).filter((span) => span.trace_id === traceId);
    return complete(spans.map((span) => span.name)) ? spans : undefined;
  });
  return { otlp, sentry };
}

describe.each<Transport>(["streamable-http", "sse"])("Sentry and OTLP, over %s", (transport) => {
  let client: Client;

  beforeAll(async () => {
    const session = await signIn("octocat", `OTLP and Sentry ${transport}`);
    client = await connect(transport, session.token);
  });
  afterAll(async () => {
    await setFault(null);
    await setReceiverMode({ mode: "ok" });
    await setSinkMode({ mode: "ok" });
    await client.close();
  });

  it("sends the same span names, tree and attributes to Sentry and to the collector for one call", async () => {
    const call = await callTraced(client, "search_issues", { query: "is:open label:bug", perPage: 5 });
    expect(call.result.isError).toBeFalsy();
    const { otlp, sentry } = await bothEnds(call.traceId, "tools/call search_issues");
    expect(otlp.map((span) => span.name).sort()).toEqual(sentry.map((span) => span.name).sort());
    for (const sent of sentry) {
      const received = otlp.find((span) => span.spanId === sent.span_id);
      expect(received, sent.name).toBeDefined();
      if (!received) continue;
      expect(received.name).toBe(sent.name);
      expect(received.parentSpanId).toBe(sent.parent_span_id);
      expect(otlpAttributes(received)).toEqual(sentryAttributes(sent));
      expect(received.status?.code).toBe(sent.status === "ok" ? 1 : 2);
    }
    const mcp = otlp.find((span) => span.name === "tools/call search_issues");
    expect(mcp?.parentSpanId).toBe(call.parentSpanId);
  });

  it("posts to the signal-specific endpoints as given, with the configured headers and resource", async () => {
    // Only this call's requests: other projects' files share the receiver.
    const since = (await otlpRequests()).length;
    const call = await callTraced(client, "whoami");
    await bothEnds(call.traceId, "tools/call whoami");
    const requests = (await otlpRequests()).slice(since);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(request.path).toBe(request.signal === "traces" ? "/custom/traces" : "/custom/logs");
      expect(request.headers["x-api-key"]).toBe("test key");
      expect(request.headers["x-team"]).toBe(request.signal === "traces" ? "mcp-traces" : "mcp");
      expect(request.dropped).toEqual([]);
      const resource = resourceOf(request);
      expect(resource["service.name"]).toBe("observable-mcp");
      expect(resource["service.namespace"]).toBe("tests");
      expect(resource.team).toBe("observability");
      expect(resource["mcp.server.name"]).toBe("observable-mcp");
    }
  });

  it("quotes the Event ID, and the collector's exception event names the same event", async () => {
    await setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const call = await callTraced(client, "whoami");
    const eventId = /Event ID: ([0-9a-f]{32})/.exec(call.text)?.[1];
    expect(eventId).toMatch(/^[0-9a-f]{32}$/);
    const mcp = await waitForOtlp((list) =>
      receivedSpans(list).find((s) => s.traceId === call.traceId && s.name === "tools/call whoami"),
    );
    const exception = mcp.events?.find((event) => event.name === "exception");
    expect(exception && otlpValue(exception, "sentry.event_id")).toBe(eventId);
    expect(mcp.status).toEqual({ code: 2, message: "unavailable" });
  });

  it("answers, and Sentry still receives everything, while the collector refuses connections", async () => {
    const before = await refusedAtLeast(0, 0);
    await setReceiverMode({ mode: "refuse" });
    const call = await callTraced(client, "whoami");
    expect(call.result.isError).toBeFalsy();
    expect(await refusedAtLeast(before + 1)).toBeGreaterThan(before);
    const spans = await waitFor((list) => {
      const inTrace = spansOf(list).filter((span) => span.trace_id === call.traceId);
      return inTrace.length >= 2 ? inTrace : undefined;
    });
    expect(spans.map((span) => span.name).sort()).toEqual(["GET api.github.test", "tools/call whoami"]);
    await setReceiverMode({ mode: "ok" });
  });

  it("answers before a slow collector does, and Sentry still receives the call", async () => {
    await setReceiverMode({ mode: "slow", delayMs: 5000 });
    const before = (await otlpRequests()).length;
    const call = await callTraced(client, "whoami");
    expect(call.result.isError).toBeFalsy();
    // The reply came while the collector was still sitting on the export (it answers after 5 s).
    expect((await otlpRequests()).length).toBe(before);
    await waitFor((list) =>
      spansOf(list).find((span) => span.trace_id === call.traceId && span.name === "tools/call whoami"),
    );
    await setReceiverMode({ mode: "ok" });
  });

  it("exports while Sentry refuses connections", async () => {
    await setSinkMode({ mode: "refuse" });
    const call = await callTraced(client, "whoami");
    expect(call.result.isError).toBeFalsy();
    const spans = await waitForOtlp((list) => {
      const inTrace = receivedSpans(list).filter((span) => span.traceId === call.traceId);
      return inTrace.length >= 2 ? inTrace : undefined;
    });
    expect(spans.map((span) => span.name).sort()).toEqual(["GET api.github.test", "tools/call whoami"]);
    expect(await answered()).toBe(0);
    await setSinkMode({ mode: "ok" });
  });
});
