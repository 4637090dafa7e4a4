import {
  type BaseTransportOptions,
  createEnvelope,
  type Envelope,
  type EnvelopeItem,
  envelopeItemTypeToDataCategory,
  forEachEnvelopeItem,
  isRateLimited,
  type RateLimits,
  serializeEnvelope,
  suppressTracing,
  type Transport,
  type TransportMakeRequestResponse,
  updateRateLimits,
} from "@sentry/core";
import type { OtlpExporter } from "./otlp";

/** What the SDK hands a transport factory on Workers (the shape of its own Cloudflare transport's options). */
export interface BatchingTransportOptions extends BaseTransportOptions {
  fetch?: typeof fetch;
  fetchOptions?: RequestInit;
  /** A second leg: every drain's envelopes also go to this OTLP exporter (otlp.ts). */
  otlp?: OtlpExporter;
  /** False when there is no Sentry to send to (OTLP only): the Sentry leg is skipped. */
  sentry?: boolean;
  /**
   * The host is one long-lived process (stdio), not a Worker's invocations: one context sends and
   * flushes everything, and the process exits once a flush resolves. A flush then also waits, within
   * its timeout, for drains already in flight (an exit during a timer's drain must not cut its post
   * off), and its timeout cuts the OTLP leg too. On Workers neither: no invocation waits on another's
   * I/O, and the SDK's 2 s flush timeout must not shorten OTEL_EXPORTER_OTLP_TIMEOUT inside waitUntil.
   */
  oneProcess?: boolean;
}

/** Envelopes accepted between two drains, as the SDK's own Workers transport allows per invocation. */
const BUFFER_SIZE = 256;
/** The SDK's own batch limits: at most this many records in one log or metric container. */
const MAX_LOGS_PER_ITEM = 100;
const MAX_METRICS_PER_ITEM = 1000;

type Loss = "network_error" | "send_error" | "queue_overflow" | "ratelimit_backoff";

/**
 * A transport that sends what an isolate produced since its last send as few envelopes as Sentry's
 * envelope rules allow, gzipped. `send` only queues; `flush` (the SDK calls it at the end of every
 * invocation, inside `waitUntil`, and after envelopes created past that point) waits one macrotask so
 * that everything the same turn produced rides one drain, then merges and posts it.
 *
 * Merging follows "Envelope Item Constraints" (develop.sentry.dev, transport/envelope-items): one span
 * container per envelope, with the DSC header of its trace, so spans merge per trace; one log container
 * and one metric container per envelope, without a DSC header, mixing traces; an event (with its
 * attachments) keeps its own envelope and Event ID; different kinds of telemetry never share an
 * envelope, because Relay rate-limits per data category. Anything else is sent as it came.
 *
 * Each drain sends only from the context that runs it, so no invocation waits on another's I/O, and
 * a drain that times out aborts its requests, as the SDK's own transport does. Rate limits from
 * `X-Sentry-Rate-Limits` and `Retry-After` apply to every later `send`; dropped items are reported to
 * the SDK's client reports under the same reasons as its own transport.
 */
export function makeBatchingTransport(options: BatchingTransportOptions): Transport {
  let queue: Envelope[] = [];
  // The OTLP leg's copy of what arrived, before Sentry's rate limits: a limit on Sentry's side must not
  // cost the collector its data.
  let otlpQueue: Envelope[] = [];
  let limits: RateLimits = {};
  const sentryLeg = options.sentry !== false;

  const lose = (envelope: Envelope, reason: Loss) => {
    forEachEnvelopeItem(envelope, (_item, type) => {
      if (type !== "client_report") options.recordDroppedEvent(reason, envelopeItemTypeToDataCategory(type));
    });
  };

  const post = async (envelope: Envelope, signal: AbortSignal): Promise<void> => {
    let response: TransportMakeRequestResponse;
    try {
      response = await suppressTracing(() => request(options, envelope, signal));
    } catch {
      lose(envelope, "network_error");
      return;
    }
    if (response.statusCode === 413) lose(envelope, "send_error");
    limits = updateRateLimits(limits, response);
  };

  const drain = (timeout: number | undefined): Promise<boolean> => {
    const toCollector = otlpQueue;
    otlpQueue = [];
    // Each leg has its own deadline (in one process the collector's is also cut to the flush's);
    // neither waits on the other's requests, and the drain finished in time only if both did.
    const exported =
      toCollector.length > 0 && options.otlp
        ? options.otlp.export(toCollector, options.oneProcess ? timeout : undefined)
        : undefined;
    const sent = drainSentry(timeout);
    return exported ? Promise.all([sent, exported]).then(([ok, exportedOk]) => ok && exportedOk) : sent;
  };
  const inFlight = new Set<Promise<boolean>>();

  const drainSentry = async (timeout: number | undefined): Promise<boolean> => {
    const batch = merge(queue);
    queue = [];
    if (batch.length === 0) return true;
    const controller = new AbortController();
    const sent = Promise.all(batch.map((envelope) => post(envelope, controller.signal)));
    const ok = await within(sent, timeout);
    // Late: what is still pending is aborted, as the SDK's own transport does.
    if (!ok) controller.abort();
    return ok;
  };

  return {
    send(envelope) {
      if (options.otlp) {
        if (otlpQueue.length < (options.bufferSize ?? BUFFER_SIZE)) otlpQueue.push(envelope);
      }
      if (!sentryLeg) return Promise.resolve({});
      const kept: EnvelopeItem[] = [];
      forEachEnvelopeItem(envelope, (item, type) => {
        const category = envelopeItemTypeToDataCategory(type);
        if (isRateLimited(limits, category)) options.recordDroppedEvent("ratelimit_backoff", category);
        else kept.push(item);
      });
      if (kept.length === 0) return Promise.resolve({});
      const accepted = createEnvelope<Envelope>(envelope[0], kept as Envelope[1]);
      if (queue.length >= (options.bufferSize ?? BUFFER_SIZE)) lose(accepted, "queue_overflow");
      else queue.push(accepted);
      return Promise.resolve({});
    },
    flush(timeout) {
      // The SDK asks for a flush after each envelope it creates past an invocation's end: waiting one
      // macrotask lets everything this turn produced ride one drain. On Workers each caller drains
      // from its own context; one that finds the queue already taken has nothing of its own in flight.
      // In one process it may: it waits for those too, within its timeout.
      return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
        const others = options.oneProcess ? [...inFlight] : [];
        const own = drain(timeout);
        if (!options.oneProcess) return own;
        inFlight.add(own);
        void own.finally(() => inFlight.delete(own));
        if (others.length === 0) return own;
        return Promise.all([own, within(Promise.all(others), timeout)]).then(
          ([ok, othersOk]) => ok && othersOk,
        );
      });
    },
  };
}

/** True once `work` is done and every part of it in time; false if not done within `timeout` ms. */
async function within(work: Promise<unknown[]>, timeout: number | undefined): Promise<boolean> {
  const done = work.then((results) => results.every((result) => result !== false));
  if (!timeout || timeout <= 0) return done;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeout);
  });
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function request(
  options: BatchingTransportOptions,
  envelope: Envelope,
  signal: AbortSignal,
): Promise<TransportMakeRequestResponse> {
  // sent_at is for Sentry's clock-drift correction: it must say when this request left, not when the
  // first record it now holds was queued.
  const [header, items] = envelope;
  const stamped =
    "sent_at" in header
      ? createEnvelope<Envelope>({ ...header, sent_at: new Date().toISOString() }, items)
      : envelope;
  const body = await gzip(serializeEnvelope(stamped));
  const headers = new Headers(options.headers);
  headers.set("Content-Encoding", "gzip");
  const callerSignal = options.fetchOptions?.signal ?? undefined;
  const response = await (options.fetch ?? fetch)(options.url, {
    ...options.fetchOptions,
    method: "POST",
    headers,
    body,
    signal: callerSignal ? AbortSignal.any([signal, callerSignal]) : signal,
  });
  // Read the body so the connection is released; its content does not matter.
  await response.arrayBuffer().catch(() => undefined);
  return {
    statusCode: response.status,
    headers: {
      "x-sentry-rate-limits": response.headers.get("X-Sentry-Rate-Limits"),
      "retry-after": response.headers.get("Retry-After"),
    },
  };
}

/** gzip through the runtime's CompressionStream: no code in the bundle. */
export async function gzip(body: string | Uint8Array): Promise<ArrayBuffer> {
  const stream = new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

type Container = { items: unknown[] };

/**
 * Folds a batch of envelopes into as few as the envelope rules allow, keeping arrival order and every
 * item. Only SDK-shaped span, log and metric envelopes (one container, nothing else) are merged.
 */
export function merge(batch: Envelope[]): Envelope[] {
  const out: Envelope[] = [];
  const spansByTrace = new Map<string, Envelope>();
  const containers = new Map<string, Envelope[]>();

  for (const envelope of batch) {
    const [header, items] = envelope;
    const only = items.length === 1 ? items[0] : undefined;
    const type = only?.[0].type;
    const payload = only?.[1] as Container | undefined;
    if (!only || !payload || !Array.isArray(payload.items) || !isContainer(type)) {
      out.push(envelope);
      continue;
    }
    if (type === "span") {
      const trace = traceOf(header, payload);
      const existing = trace ? spansByTrace.get(trace) : undefined;
      if (existing) {
        append(existing, payload.items, header);
        continue;
      }
      const copy = copyOf(envelope, payload);
      if (trace) spansByTrace.set(trace, copy);
      out.push(copy);
      continue;
    }
    const limit = type === "log" ? MAX_LOGS_PER_ITEM : MAX_METRICS_PER_ITEM;
    const open = containers.get(type) ?? [];
    containers.set(type, open);
    const last = open.at(-1);
    const lastItems = (last?.[1][0]?.[1] as Container | undefined)?.items;
    if (last && lastItems && lastItems.length + payload.items.length <= limit) {
      append(last, payload.items);
      continue;
    }
    const copy = copyOf(envelope, payload);
    open.push(copy);
    out.push(copy);
  }
  return out;
}

function isContainer(type: string | undefined): type is "span" | "log" | "trace_metric" {
  return type === "span" || type === "log" || type === "trace_metric";
}

/** The trace a span container belongs to: its DSC's, or (a trace continued without baggage has none) its spans'. */
function traceOf(header: Envelope[0], payload: Container): string | undefined {
  const dsc = (header as { trace?: { trace_id?: string } }).trace;
  if (dsc?.trace_id) return dsc.trace_id;
  const first = payload.items[0] as { trace_id?: unknown } | undefined;
  return typeof first?.trace_id === "string" ? first.trace_id : undefined;
}

/** A private copy, so merging never mutates an envelope the SDK still holds. */
function copyOf(envelope: Envelope, payload: Container): Envelope {
  const [header, items] = envelope;
  const itemHeader = items[0]?.[0];
  return createEnvelope({ ...header }, [
    [{ ...itemHeader }, { ...payload, items: [...payload.items] }],
  ] as never);
}

function append(target: Envelope, records: unknown[], header?: Envelope[0]): void {
  const item = target[1][0];
  if (!item) return;
  const container = item[1] as unknown as Container;
  container.items.push(...records);
  (item[0] as { item_count?: number }).item_count = container.items.length;
  // A later envelope of the same trace may carry the DSC the first lacked.
  const dsc = (header as { trace?: unknown } | undefined)?.trace;
  if (dsc && !(target[0] as { trace?: unknown }).trace) (target[0] as { trace?: unknown }).trace = dsc;
}
