import * as z from "zod/v4";
import { definePrompt } from "./define";

export const triageIssue = definePrompt({
  name: "triage_issue",
  title: "Triage an issue",
  description: "Read an issue and propose labels, a priority and a next step.",
  argsSchema: z.object({
    owner: z.string().describe("Repository owner."),
    repo: z.string().describe("Repository name."),
    number: z
      .string()
      .regex(/^[1-9][0-9]*$/, "must be an issue number")
      .describe("Issue number."),
  }),
  build({ owner, repo, number }) {
    return [
      `Triage GitHub issue ${owner}/${repo}#${number}.`,
      `1. Call get_issue with owner "${owner}", repo "${repo}", number ${number}.`,
      "2. Search for duplicates with search_issues using the key terms of its title.",
      "3. Propose: labels, a priority (P0 to P3) with one sentence of reasoning, and the next step.",
      "Do not create or change anything unless asked.",
    ].join("\n");
  },
});
