import { describe, expect, it } from "vitest";
import { boundText, describeCut } from "../src/mcp/bounds";

const utf8 = (text: string) => new TextEncoder().encode(text).length;
const note = (limit: number) => (cut: Parameters<typeof describeCut>[0]) =>
  `\n\n${describeCut(cut, limit)} Rest at ${cut.end}.]`;

describe("the reply bound", () => {
  it("leaves a text that fits alone", () => {
    expect(boundText("short", 1024, note(1024))).toEqual({ text: "short", truncation: undefined });
    const exact = "é".repeat(512);
    expect(boundText(exact, 1024, note(1024)).truncation).toBeUndefined();
  });

  it("cuts multi-byte text on character boundaries, within the limit, and reads on without loss", () => {
    const text = "déjà vu 🐙 ok\n".repeat(2000);
    const limit = 1024;
    let offset = 0;
    const parts: string[] = [];
    for (let i = 0; i < 200; i++) {
      const out = boundText(text, limit, note(limit), offset);
      expect(utf8(out.text)).toBeLessThanOrEqual(limit);
      expect(out.text).not.toContain("\uFFFD");
      if (!out.truncation) {
        parts.push(out.text);
        break;
      }
      expect(out.truncation.start).toBe(offset);
      parts.push(out.text.slice(0, out.text.indexOf("\n\n[Truncated")));
      offset = out.truncation.end;
    }
    expect(parts.join("")).toBe(text);
  });

  it("says so when an offset is past the end", () => {
    expect(boundText("x".repeat(5000), 1024, note(1024), 5000).text).toBe(
      "[Nothing from byte 5000 on: the whole text is 5000 bytes.]",
    );
  });

  it("says what was cut", () => {
    const out = boundText("x".repeat(5000), 1024, note(1024));
    expect(out.truncation).toMatchObject({ totalBytes: 5000, start: 0 });
    const end = out.truncation?.end ?? 0;
    expect(out.text).toContain(
      `[Truncated: this reply is limited to 1024 bytes; it shows the first ${end} bytes of 5000, and ${5000 - end} bytes were cut. Rest at ${end}.]`,
    );
  });
});
