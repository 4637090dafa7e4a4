import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { rateLimitedText, rateLimitKey } from "../src/mcp/rate-limit";
import { callTraced, connect, type Transport } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import { attr, itemsOf, waitFor, waitForSpan } from "./helpers/sink";

type MetricItem = { name: string; trace_id?: string; attributes?: Record<string, { value: unknown }> };

/** The Worker's own rate-limiting binding: the same counters the Durable Object checks. */
const limiter = (env as unknown as { MCP_RATE_LIMITER: RateLimit }).MCP_RATE_LIMITER;

/**
 * Uses up what is left of a user's budget in the current window straight through the binding, so the
 * test needs no more than a couple of MCP calls whatever the configured limit is.
 */
async function useUpBudget(githubId: number): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (!(await limiter.limit({ key: rateLimitKey(githubId) })).success) return;
  }
  throw new Error("the rate limiter never refused");
}

describe.each<Transport>(["streamable-http", "sse"])("the per-user rate limit over %s", (transport) => {
  it("refuses a tool call past the limit with a retry hint, before the handler runs, and counts it", async () => {
    // A dedicated user: no other test's calls share this bucket.
    const limited = await signIn(`rate-limited-${transport}`, `Rate limit test ${transport}`);
    const bystander = await signIn(`unlimited-${transport}`, `Rate limit test ${transport}`);
    const client = await connect(transport, limited.token);
    const other = await connect(transport, bystander.token);
    const first = await callTraced(client, "whoami");
    expect(first.result.isError).toBeFalsy();
    const githubId = Number(/user id (\d+)/.exec(first.text)?.[1]);

    // Windows are aligned to the wall clock; if one ends between using up the budget and the call,
    // the call is (rightly) admitted, and the second round lands well inside the new window.
    let call = await (async () => {
      await useUpBudget(githubId);
      return callTraced(client, "whoami");
    })();
    if (!call.result.isError) {
      await useUpBudget(githubId);
      call = await callTraced(client, "whoami");
    }
    expect(call.result.isError).toBe(true);
    expect(call.text).toBe(rateLimitedText(60));
    expect(call.text).toContain("Retry in 60 seconds");

    const span = await waitForSpan("tools/call whoami", (s) => s.trace_id === call.traceId);
    expect(attr(span, "mcp.outcome")).toBe("rate_limited");
    expect(attr(span, "error.type")).toBe("rate_limited");
    expect(attr(span, "mcp.tool.error_kind")).toBe("rate_limited");
    expect(span.status).toBe("error");
    // The handler never ran: nothing went to GitHub in this call's trace (the fake logs every request).
    const requests = (await (await fetch("http://api.github.test/__fake/requests")).json()) as Array<{
      headers: Record<string, string>;
    }>;
    expect(requests.filter((r) => r.headers["sentry-trace"]?.includes(first.traceId))).toHaveLength(1);
    expect(requests.filter((r) => r.headers["sentry-trace"]?.includes(call.traceId))).toEqual([]);
    const metric = await waitFor((list) =>
      itemsOf(list, "trace_metric")
        .flatMap((item) => (item.payload as { items?: MetricItem[] }).items ?? [])
        .find((m) => m.name === "mcp.tool.calls" && m.trace_id === call.traceId),
    );
    expect(metric.attributes?.["mcp.outcome"]?.value).toBe("rate_limited");

    // Another user's bucket is their own.
    const fine = await callTraced(other, "whoami");
    expect(fine.result.isError).toBeFalsy();

    await client.close();
    await other.close();
  });
});
