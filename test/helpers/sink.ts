import type { SinkEnvelope, SinkItem, SinkMode } from "../doubles/sentry-sink";
import { otlpRequests } from "./otlp";
import { leaksIn, registeredSecrets } from "./secrets";

const SINK = "http://sentry.test/__sink";

/**
 * Everything the SDK has sent so far, in every test file. With `timeout`, waits (long-poll) until the
 * sink holds more than `known` envelopes or the timeout passes.
 */
export async function envelopes(known = 0, timeout = 0): Promise<SinkEnvelope[]> {
  const since = known - 1;
  const response = await fetch(`${SINK}/envelopes?since=${since}&timeout=${timeout}`);
  return (await response.json()) as SinkEnvelope[];
}

/** A span as sent in a span-streaming envelope. */
export interface SentSpan {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  status: string;
  is_segment?: boolean;
  attributes: Record<string, { type: string; value: unknown }>;
  links?: Array<{ trace_id: string; span_id: string }>;
}

export function spansOf(list: SinkEnvelope[]): SentSpan[] {
  return itemsOf(list, "span").flatMap((item) => (item.payload as { items?: SentSpan[] }).items ?? []);
}

export function itemsOf(list: SinkEnvelope[], type: string): SinkItem[] {
  return list.flatMap((envelope) => envelope.items.filter((item) => item.type === type));
}

/** Reads a span attribute's value. */
export function attr(span: SentSpan, key: string): unknown {
  return span.attributes[key]?.value;
}

/**
 * Waits until the sink holds something that satisfies `find`, re-asking each time a new envelope
 * arrives (long-poll), up to `timeoutMs`. Returns the found value or throws with what was there.
 */
export function waitFor<T>(find: (list: SinkEnvelope[]) => T | undefined, timeoutMs = 8000): Promise<T> {
  return longPoll(
    envelopes,
    find,
    timeoutMs,
    (list) => `sink never held the expected data; it has ${list.length} envelopes`,
  );
}

/**
 * The long-poll both test doubles offer (the sink, the OTLP receiver): `read(known, timeout)` answers
 * once it holds more than `known` items or the timeout passes. Re-asks until `find` accepts the list.
 */
export async function longPoll<I, T>(
  read: (known?: number, timeout?: number) => Promise<I[]>,
  find: (list: I[]) => T | undefined,
  timeoutMs: number,
  failure: (list: I[]) => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let list = await read();
  for (;;) {
    const found = find(list);
    if (found !== undefined) return found;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(failure(list));
    list = await read(list.length, Math.min(left, 2000));
  }
}

/** How many envelopes the sink holds now; pass it to `waitForSpan` to see only what came after. */
export async function mark(): Promise<number> {
  return (await envelopes()).length;
}

/**
 * Waits for the span of one MCP operation, identified by its name and a predicate, among the
 * envelopes that arrived after `after` (a `mark()`).
 */
export function waitForSpan(
  name: string,
  match: (span: SentSpan) => boolean = () => true,
  after = 0,
): Promise<SentSpan> {
  return waitFor((list) => spansOf(list.slice(after)).find((span) => span.name === name && match(span)));
}

/** Waits for the error event with this id. */
export function waitForEvent(eventId: string): Promise<Record<string, unknown>> {
  return waitFor((list) =>
    itemsOf(list, "event")
      .map((item) => item.payload as Record<string, unknown>)
      .find((event) => event.event_id === eventId),
  );
}

/**
 * Scans every envelope received so far, and every OTLP request the receiver decoded, as sent and
 * decoded (URL encoding, base64 runs), for secret shapes, every secret a test registered and the fake
 * GitHub's private data; one line per leak found.
 */
export async function privacyLeaks(): Promise<string[]> {
  // OTLP request bodies are scanned like envelopes (numbered after them).
  return leaksIn([...(await envelopes()), ...(await otlpRequests())], registeredSecrets());
}

/** Switches how the sink answers envelopes (see `SinkMode`); `{ mode: "ok" }` restores it. */
export async function setSinkMode(mode: SinkMode): Promise<void> {
  const response = await fetch(`${SINK}/mode`, { method: "POST", body: JSON.stringify(mode) });
  if (!response.ok) throw new Error(`sink refused the mode: ${response.status}`);
}

/** How many envelope requests the sink has answered since its mode was last set. */
export async function answered(): Promise<number> {
  return ((await (await fetch(`${SINK}/answered`)).json()) as { answered: number }).answered;
}
