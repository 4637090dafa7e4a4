import { createEnvelope, type Envelope, parseEnvelope } from "@sentry/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OtlpSettings } from "../src/config";
import { createOtlpExporter } from "../src/telemetry/otlp";
import {
  type BatchingTransportOptions,
  gzip,
  makeBatchingTransport,
  merge,
} from "../src/telemetry/transport";

const SDK = { name: "sentry.javascript.cloudflare", version: "11.0.0" };
const dsc = (traceId: string) => ({ trace_id: traceId, public_key: "public", sampled: "true" });

function spans(traceId: string, names: string[], withDsc = true): Envelope {
  return createEnvelope<Envelope>({ sent_at: "t", sdk: SDK, ...(withDsc ? { trace: dsc(traceId) } : {}) }, [
    [
      { type: "span", item_count: names.length, content_type: "application/vnd.sentry.items.span.v2+json" },
      { items: names.map((name) => ({ trace_id: traceId, span_id: name, name })) },
    ],
  ] as never);
}

function container(type: "log" | "trace_metric", traceId: string, count = 1): Envelope {
  const contentType =
    type === "log"
      ? "application/vnd.sentry.items.log+json"
      : "application/vnd.sentry.items.trace-metric+json";
  const items = Array.from({ length: count }, (_, i) => ({ trace_id: traceId, body: `${type} ${i}` }));
  return createEnvelope<Envelope>({ sdk: SDK }, [
    [{ type, item_count: count, content_type: contentType }, { items }],
  ] as never);
}

function event(id: string): Envelope {
  return createEnvelope<Envelope>({ event_id: id, sent_at: "t", sdk: SDK, trace: dsc("a".repeat(32)) }, [
    [{ type: "event" }, { event_id: id, message: "boom" }],
  ] as never);
}

const payloadItems = (envelope: Envelope | undefined) =>
  ((envelope?.[1][0]?.[1] as { items?: unknown[] } | undefined)?.items ?? []) as Array<{ name?: string }>;

describe("merging envelopes by Sentry's envelope item rules", () => {
  it("merges span containers of one trace, keeps traces apart and keeps each trace's DSC", () => {
    const a = "a".repeat(32);
    const b = "b".repeat(32);
    const out = merge([spans(a, ["fetch"], false), spans(b, ["other"]), spans(a, ["tools/call"])]);
    expect(out).toHaveLength(2);
    expect(payloadItems(out[0]).map((s) => s.name)).toEqual(["fetch", "tools/call"]);
    expect(out[0]?.[1][0]?.[0]).toMatchObject({ type: "span", item_count: 2 });
    const header = out[0]?.[0] as { trace?: { trace_id: string } } | undefined;
    expect(header?.trace?.trace_id).toBe(a);
    expect(payloadItems(out[1]).map((s) => s.name)).toEqual(["other"]);
  });

  it("merges logs and metrics across traces into one container each, with no DSC header", () => {
    const out = merge([
      container("log", "a".repeat(32)),
      container("trace_metric", "a".repeat(32), 5),
      container("log", "b".repeat(32)),
      container("trace_metric", "b".repeat(32), 5),
    ]);
    expect(out.map((e) => e[1][0]?.[0].type)).toEqual(["log", "trace_metric"]);
    expect(payloadItems(out[0])).toHaveLength(2);
    expect(out[1]?.[1][0]?.[0]).toMatchObject({ item_count: 10 });
    for (const envelope of out) expect(envelope[0]).not.toHaveProperty("trace");
  });

  it("starts a new log container past the SDK's 100-record batch", () => {
    const out = merge([container("log", "a".repeat(32), 60), container("log", "a".repeat(32), 60)]);
    expect(out.map((e) => payloadItems(e).length)).toEqual([60, 60]);
  });

  it("leaves events in envelopes of their own, under their Event IDs, and never mutates its input", () => {
    const first = event("1".repeat(32));
    const second = event("2".repeat(32));
    const trace = spans("a".repeat(32), ["x"]);
    const before = JSON.stringify([first, second, trace]);
    const out = merge([first, trace, second, spans("a".repeat(32), ["y"])]);
    expect(out.map((e) => (e[0] as { event_id?: string }).event_id ?? e[1][0]?.[0].type)).toEqual([
      "1".repeat(32),
      "span",
      "2".repeat(32),
    ]);
    expect(JSON.stringify([first, second, trace])).toBe(before);
  });
});

interface Sent {
  headers: Headers;
  envelope: Envelope;
  wireBytes: number;
}

async function gunzip(body: ArrayBuffer): Promise<Uint8Array> {
  const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A transport whose network is this function: it records each request and answers with `reply`. */
function harness(reply: (n: number) => Response | Promise<Response> = () => new Response("{}")) {
  const sent: Sent[] = [];
  const dropped: Array<[string, string]> = [];
  const transport = makeBatchingTransport({
    url: "http://sentry.test/api/1/envelope/",
    recordDroppedEvent: (reason, category) => dropped.push([reason, category]),
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const body = await request.arrayBuffer();
      sent.push({
        headers: request.headers,
        envelope: parseEnvelope(await gunzip(body)),
        wireBytes: body.byteLength,
      });
      return reply(sent.length);
    },
  });
  return { transport, sent, dropped };
}

describe("the batching transport", () => {
  it("sends nothing until a flush, then one gzipped request per merged envelope", async () => {
    const { transport, sent } = harness();
    const trace = "c".repeat(32);
    await transport.send(spans(trace, ["GET api.github.test"]));
    await transport.send(spans(trace, ["tools/call whoami"]));
    for (let i = 0; i < 5; i++) await transport.send(container("trace_metric", trace));
    expect(sent).toHaveLength(0);
    expect(await transport.flush(2000)).toBe(true);
    expect(sent.map((s) => s.envelope[1][0]?.[0].type)).toEqual(["span", "trace_metric"]);
    expect(sent[0]?.headers.get("content-encoding")).toBe("gzip");
    expect(payloadItems(sent[0]?.envelope).map((s) => s.name)).toEqual([
      "GET api.github.test",
      "tools/call whoami",
    ]);
    expect(payloadItems(sent[1]?.envelope)).toHaveLength(5);
    // Stamped when sent: the queued envelopes said "t".
    expect(Number.isNaN(Date.parse(String(sent[0]?.envelope[0].sent_at)))).toBe(false);
    expect(await transport.flush(2000)).toBe(true);
    expect(sent).toHaveLength(2);
  });

  it("obeys X-Sentry-Rate-Limits for the category named and keeps sending the others", async () => {
    const { transport, sent, dropped } = harness((n) =>
      n === 1
        ? new Response("", { status: 429, headers: { "X-Sentry-Rate-Limits": "60:log_item:organization" } })
        : new Response("{}"),
    );
    await transport.send(container("log", "d".repeat(32)));
    await transport.flush(2000);
    await transport.send(container("log", "d".repeat(32)));
    await transport.send(spans("d".repeat(32), ["still sent"]));
    await transport.flush(2000);
    expect(dropped).toEqual([["ratelimit_backoff", "log_item"]]);
    expect(sent.map((s) => s.envelope[1][0]?.[0].type)).toEqual(["log", "span"]);
  });

  it("counts what a failed or rejected request lost, and a flush still resolves", async () => {
    const refused = harness(() => Promise.reject(new TypeError("connection refused")));
    await refused.transport.send(event("3".repeat(32)));
    expect(await refused.transport.flush(2000)).toBe(true);
    expect(refused.dropped).toEqual([["network_error", "error"]]);

    const tooLarge = harness(() => new Response("", { status: 413 }));
    await tooLarge.transport.send(container("trace_metric", "e".repeat(32), 2));
    await tooLarge.transport.flush(2000);
    expect(tooLarge.dropped).toEqual([["send_error", "metric"]]);
  });

  it("drops, and counts, what arrives past the buffer's size until the next flush", async () => {
    const dropped: Array<[string, string]> = [];
    const transport = makeBatchingTransport({
      url: "http://sentry.test/api/1/envelope/",
      bufferSize: 2,
      recordDroppedEvent: (reason, category) => dropped.push([reason, category]),
      fetch: async () => new Response("{}"),
    });
    for (let i = 0; i < 3; i++) await transport.send(container("log", "a".repeat(32)));
    expect(dropped).toEqual([["queue_overflow", "log_item"]]);
    await transport.flush(2000);
    await transport.send(container("log", "a".repeat(32)));
    expect(dropped).toHaveLength(1);
  });

  it("aborts a request still pending when the flush's time is up, and says so", async () => {
    let aborted = false;
    const transport = makeBatchingTransport({
      url: "http://sentry.test/api/1/envelope/",
      recordDroppedEvent: () => undefined,
      fetch: (_input, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => {
            aborted = true;
            reject(new DOMException("aborted", "AbortError"));
          });
        }),
    });
    await transport.send(spans("f".repeat(32), ["slow"]));
    expect(await transport.flush(10)).toBe(false);
    expect(aborted).toBe(true);
  });
});

/** Exporter settings as readOtlpSettings would give them, with `overrides`. */
const otlpSettings = (overrides: Partial<OtlpSettings> = {}): OtlpSettings => ({
  tracesUrl: "http://otlp.test/v1/traces",
  logsUrl: "http://otlp.test/v1/logs",
  headers: {},
  signalHeaders: { traces: {}, logs: {} },
  timeoutMs: 2000,
  gzip: true,
  serviceName: undefined,
  resourceAttributes: {},
  ...overrides,
});
const resource = { serviceVersion: undefined, environment: "test", mcpServerName: "observable-mcp" };

/** A fetch that holds every request until released (or aborted), and says when one arrived. */
function heldFetch() {
  const held: Array<() => void> = [];
  const arrived: Array<() => void> = [];
  const aborted: string[] = [];
  const fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      held.push(() => resolve(new Response("{}")));
      init?.signal?.addEventListener("abort", () => {
        aborted.push(String(input));
        reject(new DOMException("aborted", "AbortError"));
      });
      for (const wake of arrived.splice(0)) wake();
    });
  return {
    fetch,
    aborted,
    /** Resolves once `n` requests are being held. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (held.length >= n ? resolve() : arrived.push(check));
        check();
      }),
    release: () => {
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

/** A batching transport over a held network: Sentry's leg through `fetch`, OTLP's through the global one. */
function overHeldNetwork(extra: Partial<BatchingTransportOptions> = {}) {
  const network = heldFetch();
  if (extra.otlp) vi.stubGlobal("fetch", network.fetch);
  const transport = makeBatchingTransport({
    url: "http://sentry.test/api/1/envelope/",
    recordDroppedEvent: () => undefined,
    fetch: network.fetch,
    ...extra,
  });
  return { network, transport };
}

const macrotasks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

describe("a flush while another drain is posting (one process: the stdio host)", () => {
  it("waits for the drain in flight before it resolves, so an exit does not cut that post off", async () => {
    const { network, transport } = overHeldNetwork({ oneProcess: true });
    const order: string[] = [];
    await transport.send(spans("a".repeat(32), ["tools/call whoami"]));
    // The drain timer's flush takes the queue and starts posting.
    const timers = transport.flush(10_000);
    await network.until(1);
    // stdin closes now: the exit's flush finds the queue empty.
    const exit = transport.flush(5000).then((ok) => {
      order.push("exit flushed");
      return ok;
    });
    await macrotasks(5);
    order.push("post answered");
    network.release();
    expect(await exit).toBe(true);
    expect(await timers).toBe(true);
    expect(order).toEqual(["post answered", "exit flushed"]);
  });

  it("waits no longer than its own timeout, and then says it did not finish", async () => {
    const { network, transport } = overHeldNetwork({ oneProcess: true });
    await transport.send(spans("b".repeat(32), ["tools/call whoami"]));
    const timers = transport.flush(10_000);
    await network.until(1);
    expect(await transport.flush(20)).toBe(false);
    network.release();
    expect(await timers).toBe(true);
  });

  it("on Workers (not one process) a flush never waits on another invocation's drain", async () => {
    const { network, transport } = overHeldNetwork();
    await transport.send(spans("c".repeat(32), ["tools/call whoami"]));
    const first = transport.flush(10_000);
    await network.until(1);
    expect(await transport.flush(10_000)).toBe(true);
    network.release();
    expect(await first).toBe(true);
  });
});

describe("the OTLP leg of a flush (one process: the stdio host's exit)", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("is cut off at the flush's timeout, not the export's own, and makes the flush say so", async () => {
    const { network, transport } = overHeldNetwork({
      sentry: false,
      oneProcess: true,
      // OTEL_EXPORTER_OTLP_TIMEOUT at its ceiling: an exit must not wait for it.
      otlp: createOtlpExporter(otlpSettings({ timeoutMs: 10_000 }), resource, gzip),
    });
    await transport.send(spans("d".repeat(32), ["tools/call whoami"]));
    expect(await transport.flush(20)).toBe(false);
    expect(network.aborted).toEqual(["http://otlp.test/v1/traces"]);
  });

  it("counts in the flush's result: true when the collector answered in time", async () => {
    const { network, transport } = overHeldNetwork({
      sentry: false,
      otlp: createOtlpExporter(otlpSettings({ timeoutMs: 10_000 }), resource, gzip),
    });
    await transport.send(spans("e".repeat(32), ["tools/call whoami"]));
    const flushed = transport.flush(10_000);
    await network.until(1);
    network.release();
    expect(await flushed).toBe(true);
    expect(network.aborted).toEqual([]);
  });
});

describe("the OTLP exporter", () => {
  const dropped = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.includes("OTLP export dropped"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("says so, and resolves, when the runtime refuses to build the request's headers", async () => {
    const warnings = vi.spyOn(console, "warn");
    // A value no header can carry (config.ts refuses it; this is the exporter's own guard).
    const exporter = createOtlpExporter(
      otlpSettings({ signalHeaders: { traces: { "x-api-key": "s3cret\nevil" }, logs: {} } }),
      resource,
      gzip,
    );
    await expect(exporter.export([spans("1".repeat(32), ["tools/call whoami"])])).resolves.toBe(true);
    const said = dropped(warnings);
    expect(said).toEqual([
      expect.objectContaining({ "otlp.signal": "traces", "otlp.reason": "request_error" }),
    ]);
    expect(JSON.stringify(said)).not.toContain("s3cret");
  });

  it("says so, and resolves, when compression fails", async () => {
    const warnings = vi.spyOn(console, "warn");
    const exporter = createOtlpExporter(otlpSettings(), resource, () =>
      Promise.reject(new TypeError("no CompressionStream")),
    );
    await expect(exporter.export([container("log", "2".repeat(32))])).resolves.toBe(true);
    expect(dropped(warnings)).toEqual([
      expect.objectContaining({ "otlp.signal": "logs", "otlp.reason": "request_error" }),
    ]);
  });
});
