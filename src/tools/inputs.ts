import { z } from "zod";

// GitHub's own rules for logins and repository names, so a typo fails here with a clear message
// instead of as a confusing 404 from GitHub.
export const ownerName = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub user or organisation login");

export const repositoryName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a repository name (letters, digits, '.', '_' or '-')");

export const issueNumber = z.number().int().min(1);
