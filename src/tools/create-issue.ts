import * as z from "zod/v4";
import { UserInputError } from "../errors";
import { defineTool } from "./define";
import { ownerName, repositoryName } from "./inputs";

export const createIssue = defineTool({
  name: "create_issue",
  title: "Create issue",
  description: "Open a new issue in a repository. Use only when the user asked for an issue to be filed.",
  inputSchema: z.object({
    owner: ownerName.describe("Repository owner: user or organisation login."),
    repo: repositoryName.describe("Repository name."),
    title: z.string().max(256).describe("Issue title, one line."),
    body: z.string().max(65536).optional().describe("Issue description in Markdown."),
    labels: z.array(z.string().min(1).max(50)).max(10).optional().describe("Existing label names to apply."),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true, idempotentHint: false },
  async handler({ owner, repo, title, body, labels }, ctx) {
    ctx.setOrganization(owner);
    if (title.trim().length === 0)
      throw new UserInputError("The issue title is empty; give the issue a title.");
    const issue = await ctx.github.createIssue({ owner, repo, title: title.trim(), body, labels });
    return { text: `Created ${issue.repository}#${issue.number}: ${issue.title}\n${issue.url}` };
  },
});
