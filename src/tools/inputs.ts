import * as z from "zod/v4";
import { ownerName, repositoryName } from "../github/names";

// Owner and repository names follow GitHub's rules, which live with the GitHub client.
export { ownerName, repositoryName };

export const issueNumber = z.number().int().min(1);
