/**
 * The reply bound: every tool, resource and prompt reply is cut to a configured number of UTF-8
 * bytes, with a note saying what was cut and how to get the rest. Without it a large reply vanished:
 * the agents package stores each Streamable HTTP message in Durable Object storage before sending it,
 * SQLite refuses a value over 2 MB (SQLITE_TOOBIG), and the SDK only reports the failed send to
 * `onerror`, so the client waited for ever (see docs/telemetry.md, "Bounded replies").
 */

/** What the bound cut from one reply. */
export interface Truncation {
  /** UTF-8 size of the whole text, before any offset. */
  totalBytes: number;
  /** Where the shown part starts and ends, in UTF-8 bytes of the whole text (end exclusive). */
  start: number;
  end: number;
}

/** A reply after the bound: the text to send, and what was cut when something was. */
export interface BoundedText {
  text: string;
  truncation: Truncation | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Returns `text` whole when it fits in `maxBytes` UTF-8 bytes (from `offset` on, when one is given),
 * otherwise the longest part that fits together with the note `explain` writes, cut at a line end
 * when one is near and never inside a character. `offset` is a UTF-8 byte offset into `text`.
 */
export function boundText(
  text: string,
  maxBytes: number,
  explain: (cut: Truncation) => string,
  offset = 0,
): BoundedText {
  // Cheap exit for the common case: a UTF-16 code unit is at most 3 UTF-8 bytes.
  if (offset === 0 && text.length * 3 <= maxBytes) return { text, truncation: undefined };
  const bytes = encoder.encode(text);
  const start = charStart(bytes, Math.min(offset, bytes.length));
  if (start === 0 && bytes.length <= maxBytes) return { text, truncation: undefined };
  if (start > 0 && start >= bytes.length) {
    return {
      text: `[Nothing from byte ${offset} on: the whole text is ${bytes.length} bytes.]`,
      truncation: undefined,
    };
  }
  if (bytes.length - start <= maxBytes && start > 0) {
    return { text: decoder.decode(bytes.subarray(start)), truncation: undefined };
  }
  // The note's length depends on the numbers in it, none wider than the total: measure it with the
  // end at the total, and leave room for the rest to be that wide too.
  const noteBytes =
    encoder.encode(explain({ totalBytes: bytes.length, start, end: bytes.length })).length +
    2 * String(bytes.length).length;
  const budget = Math.max(0, maxBytes - noteBytes);
  let end = charStart(bytes, Math.min(bytes.length, start + budget));
  const newline = bytes.lastIndexOf(0x0a, end - 1);
  if (newline >= start + budget / 2) end = newline + 1;
  const cut = { totalBytes: bytes.length, start, end };
  return { text: decoder.decode(bytes.subarray(start, end)) + explain(cut), truncation: cut };
}

/** The first character boundary at or before `index` (UTF-8 continuation bytes are 10xxxxxx). */
function charStart(bytes: Uint8Array, index: number): number {
  let at = index;
  while (at > 0 && at < bytes.length && ((bytes[at] ?? 0) & 0xc0) === 0x80) at -= 1;
  return at;
}

/** How much of the text a truncation note reports, in the note's own words. */
export function describeCut(cut: Truncation, maxBytes: number): string {
  const shown = cut.end - cut.start;
  const range = cut.start > 0 ? `bytes ${cut.start} to ${cut.end}` : `the first ${shown} bytes`;
  return `[Truncated: this reply is limited to ${maxBytes} bytes; it shows ${range} of ${cut.totalBytes}, and ${cut.totalBytes - shown} bytes were cut.`;
}
