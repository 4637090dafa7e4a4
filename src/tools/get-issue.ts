import * as z from "zod/v4";
import { defineTool } from "./define";
import { formatIssue } from "./format";
import { issueNumber, ownerName, repositoryName } from "./inputs";

export const getIssue = defineTool({
  name: "get_issue",
  title: "Get issue",
  description:
    "Read one issue's title, state, labels and description. Use after search_issues to see the details.",
  inputSchema: z.object({
    owner: ownerName.describe("Repository owner: user or organisation login."),
    repo: repositoryName.describe("Repository name."),
    number: issueNumber.describe("Issue number."),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: true, idempotentHint: true },
  async handler({ owner, repo, number }, ctx) {
    ctx.setOrganization(owner);
    return { text: formatIssue(await ctx.github.getIssue({ owner, repo, number })) };
  },
});
