import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFault } from "../helpers/github";
import { callTraced, connect } from "../helpers/mcp";
import { signIn } from "../helpers/oauth";
import { otlpRequests, otlpValue, receivedSpans, waitForOtlp } from "../helpers/otlp";
import { itemsOf, waitFor } from "../helpers/sink";

type Transaction = {
  contexts?: { trace?: { trace_id?: string; status?: string } };
  request?: { method?: string };
  spans?: Array<{ op?: string; description?: string; data?: Record<string, unknown> }>;
};

/** The transaction of trace `traceId` that holds a GitHub request span, from the project `dsn` sent to. */
function transactionWithRequest(traceId: string, project: string) {
  return waitFor((list) =>
    list
      .filter((envelope) => envelope.project === project)
      .flatMap((envelope) => itemsOf([envelope], "transaction"))
      .map((item) => item.payload as Transaction)
      .find(
        (event) =>
          event.contexts?.trace?.trace_id === traceId &&
          event.spans?.some((span) => span.op === "http.client"),
      ),
  );
}

// Development with Spotlight: telemetry goes out as transactions (traceLifecycle "static"), to the
// DSN and, as a copy, to the sidecar. The privacy scan after this file reads all of it.
describe("telemetry in Spotlight's static mode", () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect("streamable-http", (await signIn("octocat", "Static mode")).token);
  });
  afterAll(async () => {
    await setFault(null);
    await client.close();
  });

  it("names GitHub requests by route template inside transactions, sent to Sentry and to Spotlight", async () => {
    const call = await callTraced(client, "get_issue", { owner: "octocat", repo: "dotfiles", number: 1 });
    expect(call.result.isError).toBeFalsy();
    for (const project of ["2", "3"]) {
      const transaction = await transactionWithRequest(call.traceId, project);
      // Not the Worker-to-object upgrade's GET: the transaction's name says what the message was.
      expect(transaction.request?.method).toBeUndefined();
      expect(transaction.contexts?.trace?.status).toBe("ok");
      const request = transaction.spans?.find((span) => span.op === "http.client");
      expect(request?.description).toBe(
        "GET http://api.github.test/repos/{owner}/{repo}/issues/{issue_number}",
      );
      expect(JSON.stringify(transaction)).not.toContain("dotfiles");
    }
  });

  it("keeps a reported failure and a private README read out of what it sends", async () => {
    await setFault({ kind: "status", status: 502, path: "/repos/octocat/dotfiles", times: 1 });
    const failed = await callTraced(client, "get_issue", { owner: "octocat", repo: "dotfiles", number: 1 });
    expect(failed.text).toContain("Event ID:");
    const read = await client.readResource({ uri: "github://repos/octocat/dotfiles/readme" });
    expect(JSON.stringify(read)).toContain("install.sh");
    // The status says what went wrong, in Sentry's words, not internal_error for everything.
    expect((await transactionWithRequest(failed.traceId, "2")).contexts?.trace?.status).toBe("unavailable");
    const missing = await callTraced(client, "get_issue", {
      owner: "octocat",
      repo: "hello-world",
      number: 999,
    });
    expect(missing.text).toContain("GitHub refused this (404)");
    expect((await transactionWithRequest(missing.traceId, "2")).contexts?.trace?.status).toBe("not_found");
  });

  it("exports the transactions over OTLP as the same tree: the MCP span in the caller's trace, its GitHub child", async () => {
    const call = await callTraced(client, "get_issue", { owner: "octocat", repo: "dotfiles", number: 1 });
    const transaction = await transactionWithRequest(call.traceId, "2");
    const spans = await waitForOtlp((list) => {
      const inTrace = receivedSpans(list).filter((span) => span.traceId === call.traceId);
      return inTrace.some((span) => span.kind === 3) &&
        inTrace.some((span) => span.name === "tools/call get_issue")
        ? inTrace
        : undefined;
    });
    const mcp = spans.find((span) => span.name === "tools/call get_issue");
    const github = spans.find((span) => span.kind === 3);
    expect(mcp?.parentSpanId).toBe(call.parentSpanId);
    expect(mcp?.kind).toBe(2);
    expect(mcp?.status?.code).toBe(1);
    expect(mcp && otlpValue(mcp, "gen_ai.tool.name")).toBe("get_issue");
    expect(mcp && otlpValue(mcp, "sentry.op")).toBe("mcp.server");
    expect(github?.parentSpanId).toBe(mcp?.spanId);
    expect(github?.name).toBe(transaction.spans?.find((span) => span.op === "http.client")?.description);
    expect(spans.length).toBe(1 + (transaction.spans?.length ?? 0));
    const raw = (await otlpRequests()).map((request) => request.raw).join("\n");
    expect(raw).not.toContain("dotfiles");
    for (const request of await otlpRequests()) expect(request.dropped).toEqual([]);
  });
});
