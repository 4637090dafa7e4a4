// The dashboard's data: every envelope the Worker sends to the Spotlight sidecar, read back from the
// sidecar's own event stream. @spotlightjs/spotlight 4.11 (dist/server/routes/stream/index.js) answers
// `GET /stream` with Server-Sent Events: one event per envelope it received, `event:` its content type
// (`application/x-sentry-envelope`), `id:` Spotlight's envelope id, `data:` the parsed envelope as JSON,
// `[headers, [[itemHeader, payload], …]]`, the shape @sentry/core's parseEnvelope returns. A new
// subscriber first gets what the sidecar still holds (its last 500 envelopes); `Last-Event-ID` resumes
// after an envelope it already had. The Worker's side is untouched: it sends to Spotlight exactly what
// it sent before, and production has no sidecar.

const ENVELOPE_TYPE = "application/x-sentry-envelope";

/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream rules: `field: value` lines, a
 * blank line ends an event, `:` lines are comments, CR, LF or CRLF line ends). `push(text)` returns the
 * events completed by that chunk as { event, id, data }.
 */
export function createSseParser() {
  let buffer = "";
  let data = [];
  let event = "";
  let id;
  const line = (text, out) => {
    if (text === "") {
      if (data.length > 0) out.push({ event: event || "message", id, data: data.join("\n") });
      data = [];
      event = "";
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  };
  return {
    push(chunk) {
      buffer += chunk;
      const out = [];
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        // A lone CR at the end may be the first half of a CRLF: wait for the next chunk.
        if (!match || (match[0] === "\r" && match.index === buffer.length - 1)) break;
        line(buffer.slice(0, match.index), out);
        buffer = buffer.slice(match.index + match[0].length);
      }
      return out;
    },
  };
}

/** The envelope in one Spotlight stream event, or null for anything else (other content types, bad JSON). */
export function envelopeFromEvent(event) {
  if (event.event !== ENVELOPE_TYPE) return null;
  try {
    const envelope = JSON.parse(event.data);
    return Array.isArray(envelope) && Array.isArray(envelope[1]) ? envelope : null;
  } catch {
    return null;
  }
}

/**
 * Follows `${spotlight}/stream` until `stop()`, reconnecting (with Last-Event-ID, so nothing is counted
 * twice) whenever the stream ends or fails. `onEnvelope(envelope)` gets each envelope once;
 * `onStatus({ connected, error? })` each change of connection.
 */
export function followSpotlight(spotlight, { onEnvelope, onStatus = () => {}, retryMs = 500 }) {
  const controller = new AbortController();
  let lastId;
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      try {
        const response = await fetch(`${spotlight}/stream?client=observable-mcp-dashboard`, {
          headers: { accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onStatus({ connected: true });
        const parser = createSseParser();
        const decoder = new TextDecoder();
        for await (const chunk of response.body) {
          for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
            if (event.id) lastId = event.id;
            const envelope = envelopeFromEvent(event);
            if (envelope) onEnvelope(envelope);
          }
        }
        if (!stopped) onStatus({ connected: false, error: "the sidecar closed the stream" });
      } catch (error) {
        if (stopped) return;
        onStatus({ connected: false, error: error?.cause?.code ?? error?.message ?? String(error) });
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  const done = run();
  return {
    stop: async () => {
      stopped = true;
      controller.abort();
      await done;
    },
  };
}
