import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, textOf } from "./helpers/mcp";
import { entry, ORIGIN, signIn } from "./helpers/oauth";
import { attr, itemsOf, mark, spansOf, waitFor } from "./helpers/sink";

const PROTOCOL = "2025-06-18";

/** A raw request to the Worker, as an attacker's or a hand-written client would send it. */
function send(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return entry.fetch(new Request(new URL(path, ORIGIN), { ...init, headers }));
}

function post(
  token: string,
  sessionId: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return send("/mcp", token, {
    method: "POST",
    headers: {
      Accept: "application/json, text/event-stream",
      "Content-Type": "application/json",
      "MCP-Protocol-Version": PROTOCOL,
      ...(sessionId ? { "Mcp-Session-Id": sessionId } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const whoamiCall = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "whoami", arguments: {} } };
const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: "raw-test", version: "1" } },
};

/** The JSON-RPC error a refused request carries. */
async function rpcError(response: Response): Promise<{ code: number; message: string }> {
  const body = (await response.json()) as { error?: { code: number; message: string } };
  if (!body.error) throw new Error(`no JSON-RPC error in ${JSON.stringify(body)}`);
  return body.error;
}

type Trace = { name?: string; attributes?: Record<string, { value: unknown }> };

/** Waits for a `mcp.transport.rejections` count with this reason and route, sent after `after`. */
function rejectionCounted(reason: string, route: "mcp" | "sse", after: number) {
  return waitFor((list) =>
    itemsOf(list.slice(after), "trace_metric")
      .flatMap((item) => (item.payload as { items?: Trace[] }).items ?? [])
      .find(
        (metric) =>
          metric.name === "mcp.transport.rejections" &&
          metric.attributes?.["mcp.rejection.reason"]?.value === reason &&
          metric.attributes?.["mcp.rejection.route"]?.value === route,
      ),
  );
}

describe("a Streamable HTTP session is bound to the user and client that opened it", () => {
  let alice: { token: string; clientId: string };
  let bob: { token: string; clientId: string };
  let aliceClient: Client;
  let sessionId: string;

  beforeAll(async () => {
    alice = await signIn("octocat", "Session owner");
    bob = await signIn("hubot", "Session intruder");
    aliceClient = await connect("streamable-http", alice.token);
    sessionId = (aliceClient.transport as { sessionId?: string } | undefined)?.sessionId ?? "";
    expect(sessionId).toMatch(/^[0-9a-f]{64}$/);
  });
  afterAll(async () => {
    await aliceClient.close();
  });

  it("refuses another user's token on the session for POST, GET and DELETE with 404, and counts it", async () => {
    const before = await mark();
    const call = await post(bob.token, sessionId, whoamiCall);
    expect(call.status).toBe(404);
    expect(await rpcError(call)).toEqual({ code: -32001, message: "Session not found" });

    const stream = await send("/mcp", bob.token, {
      headers: { Accept: "text/event-stream", "Mcp-Session-Id": sessionId, "MCP-Protocol-Version": PROTOCOL },
    });
    expect(stream.status).toBe(404);
    await stream.body?.cancel();

    const end = await send("/mcp", bob.token, {
      method: "DELETE",
      headers: { "Mcp-Session-Id": sessionId, "MCP-Protocol-Version": PROTOCOL },
    });
    expect(end.status).toBe(404);
    await end.body?.cancel();

    const metric = await rejectionCounted("session", "mcp", before);
    expect(metric.attributes?.["http.response.status_code"]?.value).toBe(404);
    // A probe for other users' sessions must not write their ids into telemetry: not on the count,
    // not on the Worker's request spans (whose headers would carry it; POSTs to /mcp send none).
    const spans = await waitFor((list) => {
      const refused = spansOf(list.slice(before)).filter(
        (span) => attr(span, "mcp.rejection.reason") === "session",
      );
      return refused.length >= 2 ? refused : undefined;
    });
    expect(spans.map((span) => attr(span, "http.response.status_code"))).toEqual([404, 404]);
    const logs = await waitFor((list) => {
      const lines = itemsOf(list.slice(before), "log")
        .flatMap((item) => (item.payload as { items?: Array<{ body?: string }> }).items ?? [])
        .filter((line) => line.body === "MCP request refused: session");
      return lines.length >= 3 ? lines : undefined;
    });
    for (const record of [metric, ...spans, ...logs]) expect(JSON.stringify(record)).not.toContain(sessionId);

    // The session is untouched and still its owner's.
    const result = await aliceClient.callTool({ name: "whoami", arguments: {} });
    expect(textOf(result)).toContain("Signed in to GitHub as octocat");
  });

  it("refuses the same user signed in through another OAuth client", async () => {
    const otherClient = await signIn("octocat", "Another client of the same user");
    const call = await post(otherClient.token, sessionId, whoamiCall);
    expect(call.status).toBe(404);
    await call.body?.cancel();
  });

  it("refuses an id that was never issued, and one in another shape, like an unknown session", async () => {
    const forged = `${sessionId.slice(0, 32)}${"0".repeat(32)}`;
    for (const id of [forged, "not-a-session", sessionId.toUpperCase()]) {
      const call = await post(alice.token, id, whoamiCall);
      expect(call.status, id).toBe(404);
      await call.body?.cancel();
    }
  });

  it("serves each user their own session", async () => {
    const bobClient = await connect("streamable-http", bob.token);
    const result = await bobClient.callTool({ name: "whoami", arguments: {} });
    expect(textOf(result)).toContain("Signed in to GitHub as hubot");
    const bobSession = (bobClient.transport as { sessionId?: string } | undefined)?.sessionId ?? "";
    expect(bobSession.slice(0, 32)).not.toBe(sessionId.slice(0, 32));
    await bobClient.close();
  });

  it("ends a session on its owner's DELETE, and answers 404 to the id afterwards", async () => {
    const own = await connect("streamable-http", alice.token);
    const id = (own.transport as { sessionId?: string } | undefined)?.sessionId ?? "";
    const end = await send("/mcp", alice.token, {
      method: "DELETE",
      headers: { "Mcp-Session-Id": id, "MCP-Protocol-Version": PROTOCOL },
    });
    expect(end.status).toBe(204);
    const reuse = await post(alice.token, id, whoamiCall);
    expect(reuse.status).toBe(404);
    expect((await rpcError(reuse)).code).toBe(-32001);
    await own.close().catch(() => {});
  });
});

describe("a legacy SSE session is bound to the user and client that opened it", () => {
  let alice: { token: string; clientId: string };
  let bob: { token: string; clientId: string };
  let aliceClient: Client;
  let sessionId: string;

  beforeAll(async () => {
    alice = await signIn("octocat", "SSE session owner");
    bob = await signIn("hubot", "SSE session intruder");
    const seen: string[] = [];
    aliceClient = await connect("sse", alice.token, undefined, undefined, (request) =>
      seen.push(request.url),
    );
    await aliceClient.listTools();
    const endpoint = seen.map((url) => new URL(url)).find((url) => url.pathname === "/sse/message");
    sessionId = endpoint?.searchParams.get("sessionId") ?? "";
    expect(sessionId).toMatch(/^[0-9a-f]{64}$/);
  });
  afterAll(async () => {
    await aliceClient.close();
  });

  it("refuses another user's message to the session with 404, and counts it", async () => {
    const before = await mark();
    const message = await send(`/sse/message?sessionId=${sessionId}`, bob.token, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(whoamiCall),
    });
    expect(message.status).toBe(404);
    expect(await message.text()).toBe("Session not found");
    await rejectionCounted("session", "sse", before);
    const result = await aliceClient.callTool({ name: "whoami", arguments: {} });
    expect(textOf(result)).toContain("Signed in to GitHub as octocat");
  });

  it("refuses another user's attempt to open the session's stream", async () => {
    const stream = await send(`/sse?sessionId=${sessionId}`, bob.token, {
      headers: { Accept: "text/event-stream" },
    });
    expect(stream.status).toBe(404);
    await stream.body?.cancel();
  });
});

describe("Origin and Host", () => {
  let token: string;
  beforeAll(async () => {
    ({ token } = await signIn("octocat", "Origin test"));
  });

  it.each([
    ["/mcp", "POST"],
    ["/sse", "GET"],
    ["/sse/message?sessionId=x", "POST"],
  ])(
    "refuses a foreign Origin on %s (%s) with 403 and a JSON-RPC error, before the token is checked",
    async (path, method) => {
      const before = await mark();
      for (const bearer of [token, "not-a-token"]) {
        const response = await send(path, bearer, {
          method,
          headers: {
            Origin: "https://evil.example",
            Accept: "application/json, text/event-stream",
            "Content-Type": "application/json",
          },
          ...(method === "POST" ? { body: JSON.stringify(initialize) } : {}),
        });
        expect(response.status).toBe(403);
        expect(response.headers.get("content-type")).toContain("application/json");
        const error = await rpcError(response);
        expect(error.message).toContain("Origin not allowed");
        expect(error.message).toContain("MCP_ALLOWED_ORIGINS");
      }
      const metric = await rejectionCounted("origin", path.startsWith("/sse") ? "sse" : "mcp", before);
      expect(metric.attributes?.["mcp.rejection.route"]?.value).toBeDefined();
    },
  );

  it("refuses a null Origin and serves the server's own origin", async () => {
    const refused = await post(token, undefined, initialize, { Origin: "null" });
    expect(refused.status).toBe(403);
    await refused.body?.cancel();
    const served = await post(token, undefined, initialize, { Origin: ORIGIN });
    expect(served.status).toBe(200);
    expect(served.headers.get("mcp-session-id")).toMatch(/^[0-9a-f]{64}$/);
    await served.body?.cancel();
  });
});

describe("transport rules in front of the Durable Object", () => {
  let token: string;
  let sessionId: string;
  beforeAll(async () => {
    ({ token } = await signIn("octocat", "Transport rules"));
    const opened = await post(token, undefined, initialize);
    expect(opened.status).toBe(200);
    sessionId = opened.headers.get("mcp-session-id") ?? "";
    await opened.body?.cancel();
    const initialized = await post(token, sessionId, { jsonrpc: "2.0", method: "notifications/initialized" });
    expect(initialized.status).toBe(202);
  });

  it("refuses a batch holding initialize, whatever the protocol version, and opens no session", async () => {
    for (const headers of [{}, { "MCP-Protocol-Version": "2025-03-26" }] as Record<string, string>[]) {
      const response = await post(token, undefined, [initialize], headers);
      expect(response.status).toBe(400);
      expect(response.headers.get("mcp-session-id")).toBeNull();
      const error = await rpcError(response);
      expect(error.code).toBe(-32600);
      expect(error.message).toContain("initialize must be sent alone");
    }
  });

  it("refuses batches for protocol versions without batching, and an empty batch", async () => {
    const ping = (id: number) => ({ jsonrpc: "2.0", id, method: "ping" });
    const batch = await post(token, sessionId, [ping(1), ping(2)]);
    expect(batch.status).toBe(400);
    expect((await rpcError(batch)).message).toContain("has no JSON-RPC batches");
    const empty = await post(token, sessionId, []);
    expect(empty.status).toBe(400);
    expect((await rpcError(empty)).message).toContain("empty batch");
  });

  it("answers a body over the 4 MiB message limit with agents' 413", async () => {
    const big = {
      ...whoamiCall,
      params: { name: "whoami", arguments: { padding: "x".repeat(4 * 1024 * 1024) } },
    };
    const response = await post(token, sessionId, big);
    expect(response.status).toBe(413);
    expect((await rpcError(response)).message).toContain("Request body too large");
  });

  it("answers 400 to an unsupported MCP-Protocol-Version", async () => {
    const response = await post(token, sessionId, whoamiCall, { "MCP-Protocol-Version": "1999-01-01" });
    expect(response.status).toBe(400);
    expect((await rpcError(response)).message).toContain("Unsupported protocol version");
  });

  it("answers 400 to initialize carrying a session id, and to a request without one after initialize", async () => {
    const reinit = await post(token, sessionId, initialize);
    expect(reinit.status).toBe(400);
    expect((await rpcError(reinit)).message).toContain("must not include a sessionId");
    const missing = await post(token, undefined, whoamiCall);
    expect(missing.status).toBe(400);
    expect((await rpcError(missing)).message).toContain("Mcp-Session-Id header is required");
  });

  it("answers 406 to a wrong Accept and 415 to a wrong Content-Type", async () => {
    const accept = await post(token, sessionId, whoamiCall, { Accept: "application/json" });
    expect(accept.status).toBe(406);
    await accept.body?.cancel();
    const stream = await send("/mcp", token, {
      headers: { Accept: "application/json", "Mcp-Session-Id": sessionId, "MCP-Protocol-Version": PROTOCOL },
    });
    expect(stream.status).toBe(406);
    await stream.body?.cancel();
    const type = await post(token, sessionId, whoamiCall, { "Content-Type": "text/plain" });
    expect(type.status).toBe(415);
    await type.body?.cancel();
  });

  it("still serves the session after all those refusals", async () => {
    const response = await post(token, sessionId, whoamiCall);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Signed in to GitHub as octocat");
  });
});
