import { UserInputError } from "../errors";
import { ownerName, repositoryName } from "../github/names";
import { defineResourceTemplate } from "./define";

export const repositoryReadme = defineResourceTemplate({
  name: "repository_readme",
  title: "Repository README",
  description: "The README of a GitHub repository, as Markdown.",
  uriTemplate: "github://repos/{owner}/{repo}/readme",
  mimeType: "text/markdown",
  async read(variables, ctx) {
    const owner = ownerName.safeParse(variables.owner);
    const repo = repositoryName.safeParse(variables.repo);
    if (!owner.success || !repo.success) {
      throw new UserInputError(
        "The URI must look like github://repos/{owner}/{repo}/readme with a real owner and name.",
      );
    }
    ctx.setOrganization(owner.data);
    return ctx.github.getReadme({ owner: owner.data, repo: repo.data });
  },
});
