import * as z from "zod/v4";
import { defineTool } from "./define";
import { formatIssueLine } from "./format";

export const searchIssues = defineTool({
  name: "search_issues",
  title: "Search issues",
  description:
    "Search GitHub issues and pull requests with GitHub's search syntax, e.g. 'repo:owner/name is:open label:bug crash'.",
  inputSchema: z.object({
    query: z
      .string()
      .min(1)
      .max(256)
      .describe("GitHub search query; qualifiers like repo:, is:, label:, author: work."),
    page: z.number().int().min(1).max(10).default(1).describe("Page number, from 1."),
    perPage: z.number().int().min(1).max(50).default(20).describe("Results per page, 1 to 50."),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: true, idempotentHint: true },
  async handler({ query, page, perPage }, ctx) {
    const org = /(?:^|\s)(?:org|user|repo):([A-Za-z0-9-]+)/.exec(query)?.[1];
    if (org !== undefined) ctx.setOrganization(org);
    const result = await ctx.github.searchIssues({ query, page, perPage });
    if (result.items.length === 0) return { text: "No issues match that search." };
    const more = result.hasNextPage ? `\nMore on page ${page + 1}.` : "";
    return {
      text: `${result.total} issues match; page ${page}:\n${result.items.map(formatIssueLine).join("\n")}${more}`,
    };
  },
});
