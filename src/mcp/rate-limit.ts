/**
 * The per-user limit on tool calls, counted by the Workers rate-limiting binding `MCP_RATE_LIMITER`
 * (wrangler.jsonc `ratelimits`). One bucket per GitHub user across all their sessions and clients.
 */

/** The binding's surface, as far as we use it. */
export interface ToolCallLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** The bucket a user's tool calls count against. */
export function rateLimitKey(githubId: number): string {
  return `github-user:${githubId}`;
}

/** Whether this user may make one more tool call now; counts the call when they may. */
export async function admitToolCall(
  limiter: ToolCallLimiter | undefined,
  githubId: number,
): Promise<boolean> {
  // No binding (a fork removed it): no limit.
  if (!limiter) return true;
  const { success } = await limiter.limit({ key: rateLimitKey(githubId) });
  return success;
}

/** What the model is told when the limit is reached: what happened and when to retry. */
export function rateLimitedText(periodSeconds: number): string {
  return `Too many tool calls: this server's per-user rate limit for the current ${periodSeconds}-second window is used up. Retry in ${periodSeconds} seconds; calling sooner fails the same way.`;
}
