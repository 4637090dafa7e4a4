import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { entry, ORIGIN } from "./oauth";

export type Transport = "streamable-http" | "sse";

/** Extra HTTP headers for every request a test client sends, read at send time. */
export type HeaderSource = () => Record<string, string>;

/** Routes the MCP SDK client's HTTP straight into the Worker under test. */
function workerFetch(
  token: string,
  extraHeaders?: HeaderSource,
  observe?: (request: Request) => void,
): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    observe?.(request);
    const headers = new Headers(request.headers);
    headers.set("Authorization", `Bearer ${token}`);
    for (const [name, value] of Object.entries(extraHeaders?.() ?? {})) headers.set(name, value);
    return entry.fetch(new Request(request, { headers }));
  };
}

/** Connects a real MCP SDK client over the given transport with a bearer token. */
export async function connect(
  transport: Transport,
  token: string,
  clientInfo = { name: "claude-ai", version: "0.1.0" },
  extraHeaders?: HeaderSource,
  observe?: (request: Request) => void,
): Promise<Client> {
  // The Workers validator, as the server uses: the tests resolve modules as the Worker bundle does, without ajv.
  const client = new Client(clientInfo, {
    capabilities: {},
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
  });
  const fetcher = workerFetch(token, extraHeaders, observe);
  const wire =
    transport === "streamable-http"
      ? new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), { fetch: fetcher })
      : new SSEClientTransport(new URL("/sse", ORIGIN), {
          fetch: fetcher,
          eventSourceInit: { fetch: fetcher },
        });
  await client.connect(wire);
  return client;
}

/** The text of a tool result. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((part) => part.text ?? "").join("\n");
}

/** A W3C traceparent with a fresh trace id, as an instrumented agent would send in `_meta`. */
export function newTraceparent(): { traceparent: string; traceId: string; parentSpanId: string } {
  const hex = (bytes: number) =>
    [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
  const traceId = hex(16);
  const parentSpanId = hex(8);
  return { traceparent: `00-${traceId}-${parentSpanId}-01`, traceId, parentSpanId };
}

/**
 * Calls a tool with a fresh trace context in `_meta`, so the test can find exactly this call's
 * telemetry by trace id.
 */
export async function callTraced(client: Client, name: string, args: Record<string, unknown> = {}) {
  const trace = newTraceparent();
  const result = await client.callTool({ name, arguments: args, _meta: { traceparent: trace.traceparent } });
  return { result, text: textOf(result), ...trace };
}
