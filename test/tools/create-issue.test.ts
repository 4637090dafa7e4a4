import { expect, it } from "vitest";
import { callTraced } from "../helpers/mcp";
import { attr } from "../helpers/sink";
import { spanIn, toolSuite } from "../helpers/tool-suite";

toolSuite("create_issue", (s) => {
  it("happy path: opens an issue that get_issue then finds", async () => {
    const title = `Flaky test in CI ${s.transport}`;
    const created = await callTraced(s.client, "create_issue", {
      owner: "octocat",
      repo: "spoon-knife",
      title,
      body: "Seen twice today.",
      labels: ["bug"],
    });
    const number = Number(/#(\d+)/.exec(created.text)?.[1]);
    expect(created.text).toContain(`Created octocat/spoon-knife#${number}: ${title}`);
    const read = await callTraced(s.client, "get_issue", { owner: "octocat", repo: "spoon-knife", number });
    expect(read.text).toContain(title);
    expect(read.text).toContain("Seen twice today.");
  });

  it("failure path: refuses an empty title as the caller's mistake, not ours", async () => {
    const call = await callTraced(s.client, "create_issue", {
      owner: "octocat",
      repo: "spoon-knife",
      title: "   ",
    });
    expect(call.result.isError).toBe(true);
    expect(call.text).toBe("The issue title is empty; give the issue a title.");
    const span = await spanIn(call.traceId, "create_issue");
    expect(attr(span, "mcp.outcome")).toBe("tool_error");
    expect(attr(span, "mcp.tool.error_kind")).toBe("user_input");
    expect(attr(span, "mcp.argument.title.length")).toBe(3);
  });
});
