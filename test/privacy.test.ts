import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFault } from "./helpers/github";
import { callTraced, connect, newTraceparent, type Transport } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import { decodedViews, needlesOf, secret } from "./helpers/secrets";
import { attr, spansOf, waitFor, waitForEvent, waitForSpan } from "./helpers/sink";

const ISSUE_ROUTE = "http://api.github.test/repos/{owner}/{repo}/issues/{issue_number}";

// The privacy scan (test/helpers/privacy-scan.ts) runs after this file over everything it caused, and
// fails on the private repository's name or the issue's text anywhere, decoded or not.
describe.each<Transport>(["streamable-http", "sse"])("a private repository over %s", (transport) => {
  let client: Client;

  beforeAll(async () => {
    client = await connect(transport, (await signIn("octocat", `Privacy ${transport}`)).token);
  });
  afterAll(async () => {
    await setFault(null);
    await client.close();
  });

  it("names its GitHub request by route template, in the span name and every URL attribute", async () => {
    const call = await callTraced(client, "get_issue", { owner: "octocat", repo: "dotfiles", number: 1 });
    expect(call.result.isError).toBeFalsy();
    const request = await waitFor((list) =>
      spansOf(list).find(
        (span) => span.trace_id === call.traceId && attr(span, "sentry.op") === "http.client",
      ),
    );
    expect(attr(request, "url.full")).toBe(ISSUE_ROUTE);
    expect(attr(request, "url.template")).toBe(ISSUE_ROUTE);
    expect(JSON.stringify(request)).not.toContain("dotfiles");
  });

  it("keeps the repository and the arguments out of a reported failure's title and request data", async () => {
    await setFault({ kind: "status", status: 502, path: "/repos/octocat/dotfiles", times: 1 });
    const call = await callTraced(client, "get_issue", { owner: "octocat", repo: "dotfiles", number: 1 });
    const eventId = /Event ID: ([0-9a-f]{32})/.exec(call.text)?.[1] ?? "";
    const event = await waitForEvent(eventId);
    const text = JSON.stringify(event);
    expect(text).toContain("GitHub answered 502 to GET /repos/{owner}/{repo}/issues/{issue_number}");
    expect(text).not.toContain("dotfiles");
    // agents carries the whole JSON-RPC message, arguments included, in this header of the
    // Worker-to-object request; no header outside the allow-list may ride on the event.
    expect(text).not.toContain("cf-mcp-message");
    const headers = (event.request as { headers?: Record<string, string> } | undefined)?.headers ?? {};
    for (const name of Object.keys(headers)) {
      expect([
        "accept",
        "content-type",
        "content-length",
        "user-agent",
        "mcp-protocol-version",
        "host",
        "origin",
        "accept-encoding",
      ]).toContain(name.toLowerCase());
    }
  });

  it("lists a reported failure under its MCP message, not under the Worker-to-object upgrade's GET", async () => {
    await setFault({ kind: "status", status: 503, path: "/repos/octocat/dotfiles", times: 1 });
    const call = await callTraced(client, "get_issue", { owner: "octocat", repo: "dotfiles", number: 1 });
    const eventId = /Event ID: ([0-9a-f]{32})/.exec(call.text)?.[1] ?? "";
    const event = await waitForEvent(eventId);
    expect(event.transaction).toBe("tools/call get_issue");
    expect((event.tags as Record<string, unknown> | undefined)?.["mcp.method.name"]).toBe("tools/call");
    expect((event.request as { method?: string } | undefined)?.method).toBeUndefined();
  });

  it("never turns an argument name the client made up into an attribute key", async () => {
    const madeUp = secret("octocat-dotfiles-made-up-key");
    const call = await callTraced(client, "get_issue", {
      owner: "octocat",
      repo: "hello-world",
      number: 1,
      [madeUp]: 1,
    });
    const span = await waitForSpan("tools/call get_issue", (s) => s.trace_id === call.traceId);
    expect(attr(span, "mcp.arguments.keys")).toBe("number,owner,repo");
    expect(attr(span, "mcp.arguments.unknown_count")).toBe(1);
    expect(JSON.stringify(span)).not.toContain(madeUp);
  });

  it("reads the private README without its URI or text in telemetry", async () => {
    const trace = newTraceparent();
    const read = await client.readResource({
      uri: "github://repos/octocat/dotfiles/readme",
      _meta: { traceparent: trace.traceparent },
    });
    expect(JSON.stringify(read)).toContain("install.sh");
    const spans = await waitFor((list) => {
      const found = spansOf(list).filter((span) => span.trace_id === trace.traceId);
      return found.some((span) => attr(span, "sentry.op") === "http.client") ? found : undefined;
    });
    expect(JSON.stringify(spans)).not.toContain("dotfiles");
  });
});

describe("the privacy scan", () => {
  it("reads what encoding hides: base64 runs and URL encoding", () => {
    const message = JSON.stringify({ params: { arguments: { owner: "octocat", repo: "dotfiles" } } });
    const header = `"cf-mcp-message":"${btoa(message)}"`;
    expect(decodedViews(header).some((view) => view.includes('"repo":"dotfiles"'))).toBe(true);
    expect(
      decodedViews("url=/repos/octocat%2Fdotfiles").some((view) => view.includes("octocat/dotfiles")),
    ).toBe(true);
    expect(needlesOf('say "hi"\n')).toEqual(['say "hi"\n', 'say \\"hi\\"\\n']);
  });
});
