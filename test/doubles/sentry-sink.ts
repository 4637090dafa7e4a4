/**
 * A Sentry envelope sink: it accepts what the SDK really sends to a DSN's envelope endpoint and keeps
 * it for assertions. Test code reads it over HTTP (`GET /__sink/...`) because tests run in workerd
 * while the sink runs in Node behind miniflare's outbound service.
 */

import { parseEnvelope as parseSentryEnvelope } from "@sentry/core";

/** One item of an envelope: its header and parsed payload. */
export interface SinkItem {
  type: string;
  header: Record<string, unknown>;
  payload: unknown;
}

/** One envelope as received: what it cost on the wire, what it holds once decoded. */
export interface SinkEnvelope {
  header: Record<string, unknown>;
  items: SinkItem[];
  /** Bytes on the wire (the request body as sent, compressed or not). */
  bytes: number;
  /** Bytes of the envelope once decoded. */
  decodedBytes: number;
  /** The request's Content-Encoding, or "identity". */
  encoding: string;
  raw: string;
  /** The Sentry project id from the envelope endpoint's path (`/api/{project}/envelope/`). */
  project?: string;
}

/**
 * How the sink answers envelopes: `ok` accepts them; `refuse` fails the connection (the fetch rejects,
 * as when Sentry is unreachable); `slow` keeps them but answers only after `delayMs`, as an overloaded
 * ingest would. The sink keeps what it received in every mode, so a test can also see what was sent.
 */
export type SinkMode = { mode: "ok" } | { mode: "refuse" } | { mode: "slow"; delayMs: number };

/** The sink's interface. */
export interface SentrySink {
  handles(request: Request): boolean;
  fetch(request: Request): Promise<Response>;
  envelopes(): SinkEnvelope[];
  clear(): void;
}

/**
 * Parses the Sentry envelope format with @sentry/core's own parser (the one the SDK's tests use), so the
 * sink reads exactly what the SDK means to write. Payloads that are not JSON stay as text.
 */
export function parseEnvelope(raw: string, bytes: number, encoding = "identity"): SinkEnvelope {
  const decoded = new TextEncoder().encode(raw.replace(/\n+$/, ""));
  const [header, parsed] = parseSentryEnvelope(decoded) as unknown as [
    Record<string, unknown>,
    Array<[Record<string, unknown>, unknown]>,
  ];
  const items = parsed.map(([itemHeader, body]): SinkItem => {
    let payload = body;
    if (body instanceof Uint8Array) {
      const text = new TextDecoder().decode(body);
      try {
        payload = JSON.parse(text);
      } catch {
        payload = text; // attachments and the like stay as text
      }
    }
    return { type: String(itemHeader.type), header: itemHeader, payload };
  });
  return { header, items, bytes, decodedBytes: decoded.byteLength, encoding, raw };
}

/**
 * A POST body as sent (its size on the wire, its Content-Encoding) and as text once decoded; a 415
 * Response for an encoding a collector would refuse.
 */
export async function readBody(
  request: Request,
): Promise<{ raw: string; wireBytes: number; encoding: string } | Response> {
  let bytes = new Uint8Array(await request.arrayBuffer());
  const wireBytes = bytes.byteLength;
  const encoding = request.headers.get("content-encoding") ?? "identity";
  if (encoding === "gzip") {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  } else if (encoding !== "identity") {
    return new Response(`unsupported content-encoding: ${encoding}`, { status: 415 });
  }
  return { raw: new TextDecoder().decode(bytes), wireBytes, encoding };
}

/**
 * Long-poll: resolves once `ready()` holds (checked each time a waiter in `waiters` is woken), or
 * after `timeout` ms, whichever comes first.
 */
export function until(waiters: Set<() => void>, ready: () => boolean, timeout: number): Promise<void> {
  if (ready() || timeout <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      if (!ready()) return;
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters.delete(done);
      resolve();
    }, timeout);
    waiters.add(done);
  });
}

/** Creates a sink answering at `origin` (e.g. `http://sentry.test`, as in the DSN `http://key@sentry.test/1`). */
export function createSentrySink(origin: string): SentrySink {
  const received: SinkEnvelope[] = [];
  let mode: SinkMode = { mode: "ok" };
  // Envelope requests answered since the mode was last set: a slow sink's stay at 0 for its delay.
  let answered = 0;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const wake of waiters) wake();
  };

  return {
    handles: (request) => new URL(request.url).origin === origin,
    envelopes: () => received,
    clear: () => {
      received.length = 0;
      mode = { mode: "ok" };
    },
    async fetch(request) {
      const url = new URL(request.url);
      if (request.method === "POST" && /^\/api\/\d+\/envelope\/?$/.test(url.pathname)) {
        // Thrown from the outbound service, this reaches the Worker as a failed fetch.
        if (mode.mode === "refuse") throw new TypeError("sentry sink: connection refused");
        const body = await readBody(request);
        if (body instanceof Response) return body;
        const { raw, wireBytes, encoding } = body;
        try {
          received.push({
            ...parseEnvelope(raw, wireBytes, encoding),
            project: /^\/api\/(\d+)\//.exec(url.pathname)?.[1],
          });
        } catch (error) {
          return new Response(`unparseable envelope: ${String(error)}`, { status: 400 });
        }
        notify();
        const delay = mode.mode === "slow" ? mode.delayMs : 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        answered++;
        return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
      }
      if (url.pathname === "/__sink/mode" && request.method === "POST") {
        const next = (await request.json()) as { mode?: unknown; delayMs?: unknown };
        if (next.mode === "slow") mode = { mode: "slow", delayMs: Number(next.delayMs) || 5000 };
        else if (next.mode === "ok" || next.mode === "refuse") mode = { mode: next.mode };
        else return new Response("mode must be ok, refuse or slow", { status: 400 });
        answered = 0;
        return new Response(null, { status: 204 });
      }
      if (url.pathname === "/__sink/envelopes" && request.method === "GET") {
        // Long-poll: answer once more than `since` envelopes exist, or at `timeout` ms with what there is.
        const min = Number(url.searchParams.get("since") ?? "-1") + 1;
        const timeout = Math.min(Number(url.searchParams.get("timeout") ?? "0"), 10_000);
        await until(waiters, () => received.length >= min, timeout);
        return Response.json(received);
      }
      if (url.pathname === "/__sink/answered" && request.method === "GET") {
        return Response.json({ answered });
      }
      if (url.pathname === "/__sink/clear" && request.method === "POST") {
        received.length = 0;
        return new Response(null, { status: 204 });
      }
      return new Response("sentry sink: unknown route", { status: 404 });
    },
  };
}
