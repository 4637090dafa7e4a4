import * as z from "zod/v4";
import { defineTool } from "./define";
import { ownerName } from "./inputs";

export const listRepositories = defineTool({
  name: "list_repositories",
  title: "List repositories",
  description:
    "List the user's repositories (private ones included), or an organisation's or another user's when owner is given, most recently updated first.",
  inputSchema: z.object({
    owner: ownerName
      .optional()
      .describe("Organisation or user login; leave out for the signed-in user's own repositories."),
    page: z.number().int().min(1).max(100).default(1).describe("Page number, from 1."),
    perPage: z.number().int().min(1).max(100).default(30).describe("Repositories per page, 1 to 100."),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: true, idempotentHint: true },
  async handler({ owner, page, perPage }, ctx) {
    if (owner !== undefined) ctx.setOrganization(owner);
    // GitHub's listing of a user by name shows only public repositories, even to that user: their own
    // login means their own repositories, private ones included.
    const own = owner !== undefined && owner.toLowerCase() === ctx.user.login.toLowerCase();
    const result = own
      ? await ctx.github.listRepositories({ ownedOnly: true, page, perPage })
      : await ctx.github.listRepositories({ owner, page, perPage });
    const whose = owner ?? ctx.user.login;
    if (result.items.length === 0) return { text: `No repositories for ${whose} on page ${page}.` };
    const lines = result.items.map((repo) => {
      const flags = [repo.private ? "private" : "public", repo.language, `${repo.stars}★`].filter(Boolean);
      return `- ${repo.fullName} (${flags.join(", ")})${repo.description ? `: ${repo.description}` : ""}`;
    });
    const more = result.hasNextPage ? `\nMore on page ${page + 1}.` : "";
    return { text: `Repositories of ${whose}, page ${page}:\n${lines.join("\n")}${more}` };
  },
});
