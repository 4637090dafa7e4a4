import { createIssue } from "./create-issue";
import type { ToolDefinition } from "./define";
import { getIssue } from "./get-issue";
import { listRepositories } from "./list-repositories";
import { searchIssues } from "./search-issues";
import { whoami } from "./whoami";

/**
 * The registry: every tool the server offers, keyed by its MCP name. Nothing else registers tools.
 * The cast erases each tool's own parameter type; the wrapper validates with the tool's schema first.
 */
export const tools = {
  whoami,
  list_repositories: listRepositories,
  search_issues: searchIssues,
  get_issue: getIssue,
  create_issue: createIssue,
} as unknown as Record<string, ToolDefinition>;
