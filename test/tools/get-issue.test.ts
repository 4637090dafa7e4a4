import { expect, it } from "vitest";
import { callTraced } from "../helpers/mcp";
import { toolSuite } from "../helpers/tool-suite";

toolSuite("get_issue", (s) => {
  it("get_issue refuses a repository name of '..' instead of reaching another GitHub path", async () => {
    const { result, text } = await callTraced(s.client, "get_issue", {
      owner: "octocat",
      repo: "..",
      number: 1,
    });
    expect(result.isError).toBe(true);
    expect(text).toContain("not '.' or '..'");
  });

  it("happy path: reads one issue", async () => {
    const { text } = await callTraced(s.client, "get_issue", {
      owner: "octocat",
      repo: "hello-world",
      number: 1,
    });
    expect(text).toContain("octocat/hello-world#1: Add a license file");
    expect(text).toContain("Labels: documentation, good first issue");
  });

  it("failure path: explains a missing issue", async () => {
    const call = await callTraced(s.client, "get_issue", {
      owner: "octocat",
      repo: "hello-world",
      number: 9999,
    });
    expect(call.result.isError).toBe(true);
    expect(call.text).toContain("GitHub found nothing there");
  });
});
