import { expect, it } from "vitest";
import { callTraced } from "../helpers/mcp";
import { attr, envelopes, itemsOf } from "../helpers/sink";
import { spanIn, toolSuite } from "../helpers/tool-suite";

toolSuite("list_repositories", (s) => {
  it("happy path: lists the user's repositories, private ones included", async () => {
    const { text } = await callTraced(s.client, "list_repositories");
    expect(text).toContain("octocat/hello-world (public");
    expect(text).toContain("octocat/dotfiles (private");
  });

  it("list_repositories with the user's own login lists their own repositories, private ones included", async () => {
    const { text } = await callTraced(s.client, "list_repositories", { owner: "OctoCat" });
    expect(text).toContain("octocat/dotfiles (private");
    expect(text).toContain("octocat/hello-world (public");
    expect(text).not.toContain("octo-org/");
  });

  it("list_repositories pages through an organisation and tags the span with it", async () => {
    const call = await callTraced(s.client, "list_repositories", { owner: "octo-org", perPage: 2 });
    expect(call.text).toContain("Repositories of octo-org, page 1:");
    expect(call.text).toContain("More on page 2.");
    const span = await spanIn(call.traceId, "list_repositories");
    expect(attr(span, "organization.slug")).toBe("octo-org");
  });

  it("failure path: explains an unknown owner without reporting it", async () => {
    const call = await callTraced(s.client, "list_repositories", { owner: "no-such-org-zz" });
    expect(call.result.isError).toBe(true);
    expect(call.text).toContain("GitHub refused this (404)");
    const span = await spanIn(call.traceId, "list_repositories");
    expect(span.status).toBe("error");
    expect(attr(span, "mcp.outcome")).toBe("tool_error");
    expect(attr(span, "mcp.tool.error_kind")).toBe("upstream_not_found");
    expect(attr(span, "error.type")).toBe("tool_error");
    const events = itemsOf(await envelopes(), "event").filter(
      (item) =>
        (item.payload as { contexts?: { trace?: { trace_id?: string } } }).contexts?.trace?.trace_id ===
        call.traceId,
    );
    expect(events).toEqual([]);
  });
});
