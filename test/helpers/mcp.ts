import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ORIGIN } from "./oauth";

export type Transport = "streamable-http" | "sse";

/** Routes the MCP SDK client's HTTP straight into the Worker under test. */
function workerFetch(token: string): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    headers.set("Authorization", `Bearer ${token}`);
    return exports.default.fetch(new Request(request, { headers }));
  };
}

/** Connects a real MCP SDK client over the given transport with a bearer token. */
export async function connect(
  transport: Transport,
  token: string,
  clientInfo = { name: "claude-ai", version: "0.1.0" },
): Promise<Client> {
  const client = new Client(clientInfo, { capabilities: {} });
  const fetcher = workerFetch(token);
  const wire =
    transport === "streamable-http"
      ? new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), { fetch: fetcher })
      : new SSEClientTransport(new URL("/sse", ORIGIN), { fetch: fetcher, eventSourceInit: { fetch: fetcher } });
  await client.connect(wire);
  return client;
}

/** The text of a tool result. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((part) => part.text ?? "").join("\n");
}
