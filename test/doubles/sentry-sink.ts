/**
 * A Sentry envelope sink: it accepts what the SDK really sends to a DSN's envelope endpoint and keeps
 * it for assertions. Test code reads it over HTTP (`GET /__sink/...`) because tests run in workerd
 * while the sink runs in Node behind miniflare's outbound service.
 */

/** One item of an envelope: its header and parsed payload. */
export interface SinkItem {
  type: string;
  header: Record<string, unknown>;
  payload: unknown;
}

/** One envelope as received, with its size on the wire. */
export interface SinkEnvelope {
  header: Record<string, unknown>;
  items: SinkItem[];
  bytes: number;
  raw: string;
}

/** The sink's interface. */
export interface SentrySink {
  handles(request: Request): boolean;
  fetch(request: Request): Promise<Response>;
  envelopes(): SinkEnvelope[];
  clear(): void;
}

/** Parses the Sentry envelope format: header line, then item header and payload pairs. */
export function parseEnvelope(raw: string, bytes: number): SinkEnvelope {
  let rest = raw;
  const nextLine = (): string => {
    const at = rest.indexOf("\n");
    const line = at === -1 ? rest : rest.slice(0, at);
    rest = at === -1 ? "" : rest.slice(at + 1);
    return line;
  };
  const header = JSON.parse(nextLine()) as Record<string, unknown>;
  const items: SinkItem[] = [];
  while (rest.trim().length > 0) {
    const itemHeader = JSON.parse(nextLine()) as Record<string, unknown>;
    let body: string;
    if (typeof itemHeader.length === "number") {
      // length counts bytes, not UTF-16 units.
      const encoded = new TextEncoder().encode(rest);
      body = new TextDecoder().decode(encoded.slice(0, itemHeader.length));
      rest = new TextDecoder().decode(encoded.slice(itemHeader.length));
      if (rest.startsWith("\n")) rest = rest.slice(1);
    } else {
      body = nextLine();
    }
    let payload: unknown = body;
    try {
      payload = JSON.parse(body);
    } catch {
      // attachments and the like stay as text
    }
    items.push({ type: String(itemHeader.type), header: itemHeader, payload });
  }
  return { header, items, bytes, raw };
}

/** Creates a sink answering at `origin` (e.g. `http://sentry.test`, as in the DSN `http://key@sentry.test/1`). */
export function createSentrySink(origin: string): SentrySink {
  const received: SinkEnvelope[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const wake of waiters) wake();
  };

  return {
    handles: (request) => new URL(request.url).origin === origin,
    envelopes: () => received,
    clear: () => {
      received.length = 0;
    },
    async fetch(request) {
      const url = new URL(request.url);
      if (request.method === "POST" && /^\/api\/\d+\/envelope\/?$/.test(url.pathname)) {
        let bytes = new Uint8Array(await request.arrayBuffer());
        const wireBytes = bytes.byteLength;
        if (request.headers.get("content-encoding") === "gzip") {
          const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
          bytes = new Uint8Array(await new Response(stream).arrayBuffer());
        }
        const raw = new TextDecoder().decode(bytes);
        try {
          received.push(parseEnvelope(raw, wireBytes));
        } catch (error) {
          return new Response(`unparseable envelope: ${String(error)}`, { status: 400 });
        }
        notify();
        return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
      }
      if (url.pathname === "/__sink/envelopes" && request.method === "GET") {
        // Long-poll: answer once more than `since` envelopes exist, or at `timeout` ms with what there is.
        const min = Number(url.searchParams.get("since") ?? "-1") + 1;
        const timeout = Math.min(Number(url.searchParams.get("timeout") ?? "0"), 10_000);
        if (received.length < min && timeout > 0) {
          await new Promise<void>((resolve) => {
            const done = () => {
              if (received.length >= min) {
                clearTimeout(timer);
                waiters.delete(done);
                resolve();
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(done);
              resolve();
            }, timeout);
            waiters.add(done);
          });
        }
        return Response.json(received);
      }
      if (url.pathname === "/__sink/clear" && request.method === "POST") {
        received.length = 0;
        return new Response(null, { status: 204 });
      }
      return new Response("sentry sink: unknown route", { status: 404 });
    },
  };
}
