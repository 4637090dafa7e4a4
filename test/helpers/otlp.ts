import type { AnyValue, KeyValue, OtlpLogRecord, OtlpSpan } from "../../src/telemetry/otlp";
import type { OtlpRequest } from "../doubles/otlp-receiver";
import { longPoll } from "./sink";

export type { KeyValue };

const RECEIVER = "http://otlp.test/__otlp";

/**
 * A span as the OTLP receiver decoded it: opentelemetry-proto `Span` with ids in hex; protobuf leaves
 * out empty fields, hence the optional ones.
 */
export type ReceivedSpan = Pick<
  OtlpSpan,
  "traceId" | "spanId" | "name" | "kind" | "startTimeUnixNano" | "endTimeUnixNano"
> &
  Partial<Pick<OtlpSpan, "parentSpanId" | "attributes" | "events" | "links" | "status">>;

/** A log record as decoded. */
export type ReceivedLog = Partial<OtlpLogRecord>;

/** Everything the receiver has decoded so far; with `timeout`, waits until it holds more than `known`. */
export async function otlpRequests(known = 0, timeout = 0): Promise<OtlpRequest[]> {
  const response = await fetch(`${RECEIVER}/requests?since=${known - 1}&timeout=${timeout}`);
  return (await response.json()) as OtlpRequest[];
}

type ResourceSpans = {
  resource?: { attributes?: KeyValue[] };
  scopeSpans?: Array<{ spans?: ReceivedSpan[] }>;
};
type ResourceLogs = {
  resource?: { attributes?: KeyValue[] };
  scopeLogs?: Array<{ logRecords?: ReceivedLog[] }>;
};

/** Every span in these requests. */
export function receivedSpans(list: OtlpRequest[]): ReceivedSpan[] {
  return list
    .filter((request) => request.signal === "traces")
    .flatMap((request) => (request.message.resourceSpans as ResourceSpans[] | undefined) ?? [])
    .flatMap((resource) => resource.scopeSpans ?? [])
    .flatMap((scope) => scope.spans ?? []);
}

/** Every log record in these requests. */
export function receivedLogs(list: OtlpRequest[]): ReceivedLog[] {
  return list
    .filter((request) => request.signal === "logs")
    .flatMap((request) => (request.message.resourceLogs as ResourceLogs[] | undefined) ?? [])
    .flatMap((resource) => resource.scopeLogs ?? [])
    .flatMap((scope) => scope.logRecords ?? []);
}

/** The resource attributes of one request, as key -> string value. */
export function resourceOf(request: OtlpRequest): Record<string, string | undefined> {
  const resources = (request.message.resourceSpans ?? request.message.resourceLogs) as
    | Array<{ resource?: { attributes?: KeyValue[] } }>
    | undefined;
  return Object.fromEntries(
    (resources?.[0]?.resource?.attributes ?? []).map((kv) => [
      kv.key,
      "stringValue" in kv.value ? kv.value.stringValue : undefined,
    ]),
  );
}

/** One attribute's typed value, or undefined. */
export function otlpAttr(item: { attributes?: KeyValue[] }, key: string): AnyValue | undefined {
  return item.attributes?.find((kv) => kv.key === key)?.value;
}

/** One attribute as a plain value (int64 as a number, arrays as arrays). */
export function otlpValue(item: { attributes?: KeyValue[] }, key: string): unknown {
  const value = otlpAttr(item, key);
  return value ? plain(value) : undefined;
}

function plain(value: AnyValue): unknown {
  if ("intValue" in value) return Number(value.intValue);
  if ("stringValue" in value) return value.stringValue;
  if ("boolValue" in value) return value.boolValue;
  if ("doubleValue" in value) return value.doubleValue;
  return (value.arrayValue.values ?? []).map(plain);
}

/** Waits until the receiver holds something `find` accepts, long-polling. */
export function waitForOtlp<T>(find: (list: OtlpRequest[]) => T | undefined, timeoutMs = 8000): Promise<T> {
  return longPoll(
    otlpRequests,
    find,
    timeoutMs,
    (list) => `the OTLP receiver never held the expected data; it has ${list.length} requests`,
  );
}

/** Switches how the receiver answers (ok, refuse, slow). */
export async function setReceiverMode(
  mode: { mode: "ok" } | { mode: "refuse" } | { mode: "slow"; delayMs: number },
) {
  const response = await fetch(`${RECEIVER}/mode`, { method: "POST", body: JSON.stringify(mode) });
  if (!response.ok) throw new Error(`receiver refused the mode: ${response.status}`);
}

/** Waits until the receiver has refused at least `count` requests (in refuse mode); returns how many. */
export async function refusedAtLeast(count: number, timeoutMs = 8000): Promise<number> {
  const response = await fetch(`${RECEIVER}/refused?atLeast=${count}&timeout=${timeoutMs}`);
  return ((await response.json()) as { refused: number }).refused;
}
