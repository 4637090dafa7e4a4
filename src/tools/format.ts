import type { Issue } from "../github/client";

export function formatIssueLine(issue: Issue): string {
  const labels = issue.labels.length > 0 ? ` [${issue.labels.join(", ")}]` : "";
  return `- ${issue.repository}#${issue.number} (${issue.state}) ${issue.title}${labels}`;
}

export function formatIssue(issue: Issue): string {
  const labels = issue.labels.length > 0 ? issue.labels.join(", ") : "none";
  return [
    `${issue.repository}#${issue.number}: ${issue.title}`,
    `State: ${issue.state} · Author: ${issue.author ?? "unknown"} · Labels: ${labels} · Comments: ${issue.comments}`,
    `Opened ${issue.createdAt}, updated ${issue.updatedAt}`,
    issue.url,
    "",
    issue.body?.trim() ? issue.body : "(no description)",
  ].join("\n");
}
