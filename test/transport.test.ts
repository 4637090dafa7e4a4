import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SinkEnvelope } from "./doubles/sentry-sink";
import { setFault } from "./helpers/github";
import { callTraced, connect, newTraceparent, type Transport, textOf } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import {
  answered,
  envelopes,
  itemsOf,
  mark,
  setSinkMode,
  spansOf,
  waitFor,
  waitForEvent,
  waitForSpan,
} from "./helpers/sink";

type Record = { trace_id?: string; name?: string; body?: string };

/** Log or metric records (payload `{ items: [...] }`) of one type. */
function recordsOf(list: SinkEnvelope[], type: string): Record[] {
  return itemsOf(list, type).flatMap((item) => (item.payload as { items?: Record[] }).items ?? []);
}

/** Whether anything in the envelope belongs to this trace. */
function holdsTrace(envelope: SinkEnvelope, traceId: string): boolean {
  return envelope.raw.includes(traceId);
}

describe.each<Transport>(["streamable-http", "sse"])("the wire to Sentry over %s", (transport) => {
  let client: Client;

  beforeAll(async () => {
    const session = await signIn("octocat", `Wire ${transport}`);
    client = await connect(transport, session.token, { name: "Cursor", version: "1.7.2" });
    await client.callTool({ name: "whoami", arguments: {} }); // warm: the session is set up
  });
  afterAll(async () => {
    await setFault(null);
    await client.close();
  });

  it("sends each warm tool call as one envelope", async () => {
    // Fences on both sides: what arrives between the two spans is what the calls in between sent.
    const warm = await callTraced(client, "whoami");
    await waitForSpan("tools/call whoami", (s) => s.trace_id === warm.traceId);
    const after = await mark();
    const calls = [];
    for (let i = 0; i < 4; i++) calls.push(await callTraced(client, "whoami"));
    const fence = await callTraced(client, "whoami");
    await waitForSpan("tools/call whoami", (s) => s.trace_id === fence.traceId, after);
    const list = (await envelopes()).slice(after).filter((e) => !holdsTrace(e, fence.traceId));
    for (const call of calls) {
      const holding = list.filter((e) => holdsTrace(e, call.traceId));
      expect(holding).toHaveLength(1);
      expect(holding[0]?.encoding).toBe("gzip");
      expect(
        spansOf(holding)
          .map((s) => s.name)
          .sort(),
      ).toEqual(["GET api.github.test", "tools/call whoami"]);
    }
    expect(list).toHaveLength(calls.length);
  });

  it("sends gzip, and every item still arrives: spans, metrics, logs and the quoted event", async () => {
    const after = await mark();
    // A sampled call that fails: its spans, its log line and the event the reply quotes.
    await setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const failed = await callTraced(client, "whoami");
    const eventId = /Event ID: ([0-9a-f]{32})/.exec(failed.text)?.[1] ?? "";
    expect(eventId).not.toBe("");
    // A call the caller sampled out: its metrics are all that is left of it.
    const unsampled = newTraceparent();
    const quiet = await client.callTool({
      name: "whoami",
      arguments: {},
      _meta: { traceparent: unsampled.traceparent.replace(/-01$/, "-00") },
    });
    expect(textOf(quiet)).toContain("Signed in to GitHub as octocat");

    const event = await waitForEvent(eventId);
    expect((event.contexts as { trace: { trace_id: string } }).trace.trace_id).toBe(failed.traceId);
    const list = await waitFor((all) => {
      const mine = all.slice(after);
      const names = new Set(
        spansOf(mine)
          .filter((s) => s.trace_id === failed.traceId)
          .map((s) => s.name),
      );
      const logs = recordsOf(mine, "log").map((l) => l.trace_id);
      const metrics = recordsOf(mine, "trace_metric").filter((m) => m.trace_id === unsampled.traceId);
      return names.has("tools/call whoami") &&
        names.has("GET api.github.test") &&
        logs.includes(failed.traceId) &&
        metrics.some((m) => m.name === "mcp.tool.calls")
        ? mine
        : undefined;
    });
    for (const envelope of list) {
      expect(envelope.encoding).toBe("gzip");
      expect(envelope.decodedBytes).toBeGreaterThan(envelope.bytes);
    }
    expect(spansOf(list).filter((s) => s.trace_id === unsampled.traceId)).toEqual([]);
  });

  describe.each([
    ["refuses every connection", { mode: "refuse" }],
    ["answers only after 5 s", { mode: "slow", delayMs: 5000 }],
  ] as const)("when Sentry %s", (_, mode) => {
    afterAll(() => setSinkMode({ mode: "ok" }));

    it("still answers every call correctly, failures with their Event ID", async () => {
      const before = await mark();
      await setSinkMode(mode);
      const first = await callTraced(client, "whoami");
      const second = await callTraced(client, "get_issue", {
        owner: "octocat",
        repo: "hello-world",
        number: 1,
      });
      await setFault({ kind: "status", status: 502, path: "/user", times: 1 });
      const failed = await callTraced(client, "whoami");
      const third = await callTraced(client, "whoami");
      expect(first.result.isError).toBeFalsy();
      expect(first.text).toContain("Signed in to GitHub as octocat");
      expect(second.result.isError).toBeFalsy();
      expect(second.text).toContain("hello-world");
      expect(failed.result.isError).toBe(true);
      expect(failed.text).toMatch(/Event ID: [0-9a-f]{32}/);
      expect(third.text).toContain("Signed in to GitHub as octocat");
      if (mode.mode === "refuse") {
        expect((await envelopes()).slice(before)).toEqual([]);
      } else {
        // The calls' telemetry reaches the slow sink, and every reply above came before its answer.
        const arrived = await envelopes(before + 1, 4000);
        expect(arrived.length).toBeGreaterThan(before);
        expect(await answered()).toBe(0);
      }
    });
  });
});
