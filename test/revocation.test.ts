import { describe, expect, it } from "vitest";
import { revokeGitHubTokens } from "./helpers/github";
import { callTraced, connect, type Transport } from "./helpers/mcp";
import { entry, ORIGIN, signIn } from "./helpers/oauth";
import { attr, waitForSpan } from "./helpers/sink";

/** A bare MCP request with this bearer, as a client sends its next one. */
function nextRequest(transport: Transport, token: string): Promise<Response> {
  const headers = { Authorization: `Bearer ${token}` };
  return transport === "streamable-http"
    ? entry.fetch(
        new Request(`${ORIGIN}/mcp`, {
          method: "POST",
          headers: {
            ...headers,
            "Content-Type": "application/json",
            Accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: {
              protocolVersion: "2025-06-18",
              capabilities: {},
              clientInfo: { name: "t", version: "1" },
            },
          }),
        }),
      )
    : entry.fetch(new Request(`${ORIGIN}/sse`, { headers: { ...headers, Accept: "text/event-stream" } }));
}

describe.each<Transport>(["streamable-http", "sse"])("when GitHub revokes access, over %s", (transport) => {
  it("says reconnect, revokes the grant so the next request gets 401, and leaves other users alone", async () => {
    // Dedicated users, so no other test's grant is revoked.
    const victim = await signIn(`revoked-${transport}`, `Revocation test ${transport}`);
    const bystander = await signIn(`bystander-${transport}`, `Revocation test ${transport}`);
    const victimClient = await connect(transport, victim.token);
    const bystanderClient = await connect(transport, bystander.token);

    expect(await revokeGitHubTokens(`revoked-${transport}`)).toBeGreaterThan(0);
    const call = await callTraced(victimClient, "whoami");
    expect(call.result.isError).toBe(true);
    expect(call.text).toContain("GitHub refused this (401)");
    expect(call.text).toContain("reconnect this server to sign in again");

    const refused = await nextRequest(transport, victim.token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("WWW-Authenticate")).toMatch(/^Bearer .*error="invalid_token"/);
    await refused.body?.cancel();

    const span = await waitForSpan("tools/call whoami", (s) => s.trace_id === call.traceId);
    expect(attr(span, "mcp.tool.error_kind")).toBe("upstream_unauthorized");
    expect(attr(span, "mcp.grant.revoked")).toBe(1);

    // Another user's grant, even one held by the same client name, still works.
    const other = await callTraced(bystanderClient, "whoami");
    expect(other.result.isError).toBeFalsy();
    expect(other.text).toContain(`Signed in to GitHub as bystander-${transport}`);
    const stillServed = await nextRequest(transport, bystander.token);
    expect(stillServed.status).toBe(200);
    await stillServed.body?.cancel();

    await victimClient.close().catch(() => {});
    await bystanderClient.close();
  });
});
