// Spotlight's static mode sends transactions, not streamed spans; the local evaluator (the dev page
// reads this telemetry) must find the same records in them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PANELS, type PanelDefinition } from "../../src/observability/definitions";
import { evaluatePanel, type TelemetryRecords } from "../../src/observability/evaluate";
import { ATTR, METHOD, OUTCOME, SPAN_OP } from "../../src/telemetry/names";
import { setFault } from "../helpers/github";
import { callTraced, connect } from "../helpers/mcp";
import { signIn } from "../helpers/oauth";
import { ofUser, recordsOf } from "../helpers/records";
import { mark, waitFor } from "../helpers/sink";

describe("local evaluation of Spotlight's static transactions", () => {
  let records: TelemetryRecords;
  /** Everything the DSN's project got meanwhile: child spans carry no user id to select them by. */
  let all: TelemetryRecords;

  beforeAll(async () => {
    const client = await connect("streamable-http", (await signIn("obs-static", "Static evaluator")).token);
    const since = await mark();
    const first = await callTraced(client, "whoami");
    const userId = /user id (\d+)/.exec(first.text)?.[1] ?? "";
    await callTraced(client, "get_issue", { owner: "octocat", repo: "hello-world", number: 1 });
    await setFault({ kind: "status", status: 503, times: 1 });
    await callTraced(client, "get_issue", { owner: "octocat", repo: "hello-world", number: 1 });
    // The DSN's project; the sidecar (project 3) gets a copy of the same.
    [all, records] = await waitFor((list) => {
      const sent = recordsOf(list.slice(since).filter((e) => e.project === "2"));
      const found = ofUser(sent, userId);
      const calls = found.spans.filter((s) => s.attributes[ATTR.METHOD_NAME] === METHOD.TOOLS_CALL);
      return calls.length === 3 ? [sent, found] : undefined;
    });
    await client.close();
  });
  afterAll(() => setFault(null));

  it("reads each transaction as its MCP span and its child spans", () => {
    const root = records.spans.find((span) => span.name === "tools/call whoami");
    expect(root?.op).toBe(SPAN_OP.MCP_SERVER);
    expect(root?.attributes[ATTR.OUTCOME]).toBe(OUTCOME.SUCCESS);
    expect(root?.durationMs).toBeGreaterThanOrEqual(0);
    expect(all.spans.some((span) => span.op === "http.client" && span.name.includes("api.github.test"))).toBe(
      true,
    );
  });

  it("gives the same panels as streamed spans would", () => {
    const panel = PANELS.find((p) => p.id === "error-rate-by-tool") as PanelDefinition;
    expect(evaluatePanel(panel, records, Date.now())).toEqual([
      { group: { [ATTR.TOOL_NAME]: "get_issue" }, value: 0.5, samples: 2 },
      { group: { [ATTR.TOOL_NAME]: "whoami" }, value: 0, samples: 1 },
    ]);
  });
});
