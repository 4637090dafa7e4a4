import { expect, it } from "vitest";
import { setFault } from "../helpers/github";
import { callTraced } from "../helpers/mcp";
import { attr } from "../helpers/sink";
import { spanIn, toolSuite } from "../helpers/tool-suite";

toolSuite("search_issues", (s) => {
  it("happy path: finds issues with GitHub's qualifiers", async () => {
    const { text } = await callTraced(s.client, "search_issues", { query: "repo:octo-org/octo-api is:open" });
    expect(text).toContain("octo-org/octo-api#1 (open) Retry requests on 502 and 503 responses");
    expect(text).not.toContain("Pagination stops");
  });

  it("failure path: says until when GitHub's rate limit holds, without reporting it", async () => {
    await setFault({ kind: "rate_limit", path: "/search/issues", times: 1 });
    const call = await callTraced(s.client, "search_issues", { query: "crash" });
    expect(call.result.isError).toBe(true);
    expect(call.text).toMatch(/rate limit is used up until \d{4}-\d\d-\d\dT/);
    const span = await spanIn(call.traceId, "search_issues");
    expect(attr(span, "mcp.outcome")).toBe("tool_error");
    expect(attr(span, "mcp.tool.error_kind")).toBe("upstream_rate_limited");
  });
});
