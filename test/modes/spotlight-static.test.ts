import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFault } from "../helpers/github";
import { callTraced, connect } from "../helpers/mcp";
import { signIn } from "../helpers/oauth";
import { itemsOf, waitFor } from "../helpers/sink";

type Transaction = {
  contexts?: { trace?: { trace_id?: string } };
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
    await transactionWithRequest(failed.traceId, "2");
  });
});
