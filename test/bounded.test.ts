import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setGeneratedText } from "./helpers/github";
import { callTraced, connect, newTraceparent, type Transport } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import { attr, itemsOf, waitFor, waitForSpan } from "./helpers/sink";

type MetricItem = { name: string; trace_id?: string; attributes?: Record<string, { value: unknown }> };

const README = "github://repos/octocat/hello-world/readme";
const FIVE_MIB = 5 * 1024 * 1024;
/** The bound the test configuration sets (vitest.config.ts), low enough for a prompt to exceed it. */
const LIMIT = Number((env as unknown as Record<string, string>).MCP_MAX_REPLY_BYTES);
const utf8 = (text: string) => new TextEncoder().encode(text).length;

/** The note a cut reply ends with, parsed: what it says was shown, of how much. */
function noteOf(text: string) {
  const match =
    /\n\n\[Truncated: this reply is limited to (\d+) bytes; it shows (?:the first (\d+) bytes|bytes (\d+) to (\d+)) of (\d+), and (\d+) bytes were cut\.(.*)\]$/s.exec(
      text,
    );
  if (!match) throw new Error(`no truncation note at the end of: …${text.slice(-300)}`);
  const [, limit, first, from, to, total, cut, rest] = match;
  const start = first === undefined ? Number(from) : 0;
  const end = first === undefined ? Number(to) : Number(first);
  return {
    limit: Number(limit),
    start,
    end,
    total: Number(total),
    cut: Number(cut),
    rest: rest ?? "",
    body: text.slice(0, match.index),
  };
}

describe.each<Transport>(["streamable-http", "sse"])("bounded replies over %s", (transport) => {
  let client: Client;
  beforeAll(async () => {
    const session = await signIn("octocat", `Bounded test ${transport}`);
    client = await connect(transport, session.token);
  });
  afterAll(async () => {
    await setGeneratedText({ repo: "octocat/hello-world" }, null);
    await setGeneratedText({ repo: "octocat/hello-world", issue: 1 }, null);
    await client.close();
  });

  it("answers a 5 MiB README read with a labelled cut, and the rest is readable from the offset it names", async () => {
    await setGeneratedText({ repo: "octocat/hello-world" }, FIVE_MIB);
    const trace = newTraceparent();
    const read = await client.readResource({ uri: README, _meta: { traceparent: trace.traceparent } });
    const text = (read.contents[0] as { text: string }).text;
    expect(utf8(text)).toBeLessThanOrEqual(LIMIT);
    const note = noteOf(text);
    expect(note).toMatchObject({ limit: LIMIT, start: 0, total: FIVE_MIB, cut: FIVE_MIB - note.end });
    expect(utf8(note.body)).toBe(note.end);
    expect(note.body.endsWith("\n")).toBe(true);
    expect(note.rest).toBe(` Read the rest from ${README}?offset=${note.end}.`);

    const next = await client.readResource({ uri: `${README}?offset=${note.end}` });
    const nextText = (next.contents[0] as { text: string }).text;
    const second = noteOf(nextText);
    expect(second).toMatchObject({ start: note.end, total: FIVE_MIB });
    // The second part picks up on the line after the first part's last one.
    const lastLine = /Line (\d+) /.exec(note.body.trimEnd().split("\n").at(-1) ?? "")?.[1];
    const firstLine = second.body.split("\n")[0] ?? "";
    expect(firstLine).toMatch(
      lastLine === undefined ? /^Line \d+ / : new RegExp(`^(Line ${Number(lastLine) + 1} |## Section)`),
    );

    const tail = await client.readResource({ uri: `${README}?offset=${FIVE_MIB - 100}` });
    expect(utf8((tail.contents[0] as { text: string }).text)).toBe(100);

    const span = await waitForSpan(
      "resources/read github://repos/{owner}/{repo}/readme",
      (s) => s.trace_id === trace.traceId,
    );
    expect(attr(span, "mcp.result.truncated")).toBe(true);
    expect(attr(span, "mcp.result.original_bytes")).toBe(FIVE_MIB);
    expect(attr(span, "mcp.result.bytes")).toBe(utf8(text));
  });

  it("passes a README under the bound through whole and says it was not cut", async () => {
    await setGeneratedText({ repo: "octocat/hello-world" }, LIMIT - 10);
    const trace = newTraceparent();
    const read = await client.readResource({ uri: README, _meta: { traceparent: trace.traceparent } });
    const text = (read.contents[0] as { text: string }).text;
    expect(utf8(text)).toBe(LIMIT - 10);
    expect(text).not.toContain("[Truncated");
    const span = await waitForSpan(
      "resources/read github://repos/{owner}/{repo}/readme",
      (s) => s.trace_id === trace.traceId,
    );
    expect(attr(span, "mcp.result.truncated")).toBe(false);
  });

  it("refuses an offset that is not a byte count", async () => {
    await expect(client.readResource({ uri: `${README}?offset=-5` })).rejects.toThrow(
      /offset must be a whole number of bytes/,
    );
  });

  it("cuts a tool reply and says how to get the rest", async () => {
    await setGeneratedText({ repo: "octocat/hello-world", issue: 1 }, FIVE_MIB);
    const call = await callTraced(client, "get_issue", { owner: "octocat", repo: "hello-world", number: 1 });
    expect(call.result.isError).toBeFalsy();
    expect(utf8(call.text)).toBeLessThanOrEqual(LIMIT);
    expect(call.text).toContain("octocat/hello-world#1: Add a license file");
    const note = noteOf(call.text);
    expect(note.total).toBeGreaterThan(FIVE_MIB);
    expect(note.rest).toContain("a later or smaller page");
    const span = await waitForSpan("tools/call get_issue", (s) => s.trace_id === call.traceId);
    expect(attr(span, "mcp.outcome")).toBe("success");
    expect(attr(span, "mcp.result.truncated")).toBe(true);
    expect(attr(span, "mcp.result.original_bytes")).toBe(note.total);
    const metric = await waitFor((list) =>
      itemsOf(list, "trace_metric")
        .flatMap((item) => (item.payload as { items?: MetricItem[] }).items ?? [])
        .find((m) => m.name === "mcp.reply.truncated" && m.trace_id === call.traceId),
    );
    expect(metric.attributes?.["mcp.target"]?.value).toBe("get_issue");
    expect(metric.attributes?.["mcp.method.name"]?.value).toBe("tools/call");
  });

  it("cuts a prompt whose arguments make it larger than the bound", async () => {
    const long = "a".repeat(LIMIT);
    const prompt = await client.getPrompt({
      name: "triage_issue",
      arguments: { owner: long, repo: "hello-world", number: "3" },
    });
    const text = (prompt.messages[0]?.content as { text?: string } | undefined)?.text ?? "";
    expect(utf8(text)).toBeLessThanOrEqual(LIMIT);
    expect(noteOf(text).rest).toBe(" Shorten the arguments to get the whole prompt.");
  });
});
