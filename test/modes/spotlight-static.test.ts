import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFault } from "../helpers/github";
import { callTraced, connect } from "../helpers/mcp";
import { signIn } from "../helpers/oauth";
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
});
