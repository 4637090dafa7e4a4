import { parseEnvelope } from "@sentry/core";
import {
  addRecords,
  emptyRecords,
  recordsFromEnvelope,
  type TelemetryRecords,
} from "../../src/observability/evaluate";
import { ATTR } from "../../src/telemetry/names";
import type { SinkEnvelope } from "../doubles/sentry-sink";
import { envelopes, waitFor } from "./sink";

/**
 * The records the sink received in `list`, each envelope parsed from the bytes it arrived as with
 * @sentry/core's parser: the form recordsFromEnvelope is specified for.
 */
export function recordsOf(list: readonly SinkEnvelope[]): TelemetryRecords {
  const records = emptyRecords();
  for (const envelope of list) addRecords(records, recordsFromEnvelope(parseEnvelope(envelope.raw)));
  return records;
}

/** Only the records of one signed-in user: other test files' telemetry shares the sink. */
export function ofUser(records: TelemetryRecords, userId: string): TelemetryRecords {
  const mine = <T extends { attributes: Record<string, unknown> }>(list: T[]) =>
    list.filter((record) => record.attributes[ATTR.USER_ID] === userId);
  return { spans: mine(records.spans), metrics: mine(records.metrics), logs: mine(records.logs) };
}

/**
 * Waits until the user's records sent after envelope `since` satisfy `done`, and returns them (the
 * sink's view, parsed as above).
 */
export async function waitForRecords(
  since: number,
  userId: string,
  done: (records: TelemetryRecords) => boolean,
  timeoutMs = 10_000,
): Promise<TelemetryRecords> {
  return waitFor((list) => {
    const records = ofUser(recordsOf(list.slice(since)), userId);
    return done(records) ? records : undefined;
  }, timeoutMs);
}

/** Every envelope the sink holds from `since` on, as records. */
export async function recordsSince(since: number): Promise<TelemetryRecords> {
  return recordsOf((await envelopes()).slice(since));
}
