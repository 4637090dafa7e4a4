// The one place that touches the MCP SDK's private fields (src/mcp/sdk-adapter.ts): if an SDK update
// moves them, these fail loudly and say what moved, instead of spans silently disappearing.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as z from "zod/v4";
import { sdkProblems, wrapSdkHandlers } from "../src/mcp/sdk-adapter";

/** The Workers validator, as production uses (ajv is not in the bundle). */
const validator = () => new CfWorkerJsonSchemaValidator();

const open: Client[] = [];

afterEach(async () => {
  for (const client of open.splice(0)) await client.close();
});

/** A server with one tool, every handler wrapped so each message it handles is written down. */
async function wrappedServer() {
  const server = new McpServer(
    { name: "adapter-test", version: "0.0.0" },
    { jsonSchemaValidator: validator() },
  );
  server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  const seen: string[] = [];
  const wrapped = wrapSdkHandlers(server, {
    request: (method, handler) => async (request, extra) => {
      seen.push(`request ${method}`);
      return handler(request, extra);
    },
    notification: (method, handler) => async (notification) => {
      seen.push(`notification ${method}`);
      return handler(notification);
    },
    fallback: async (request) => {
      seen.push(`fallback ${request.method}`);
      return {};
    },
  });
  const client = new Client(
    { name: "adapter-test-client", version: "0.0.0" },
    { jsonSchemaValidator: validator() },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  open.push(client);
  return { client, seen, wrapped };
}

describe("the MCP SDK adapter", () => {
  it("finds the SDK's internals where it expects them (the self-check production runs at startup)", () => {
    expect(sdkProblems()).toEqual([]);
  });

  it("puts every request, notification and unknown method through the wrappers", async () => {
    const { client, seen, wrapped } = await wrappedServer();
    expect(wrapped).toBe(true);
    const result = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    expect(result.content).toEqual([{ type: "text", text: "hi" }]);
    await client.ping();
    await client.request({ method: "no/such/method", params: {} }, z.object({}));
    expect(seen).toEqual([
      "request initialize",
      "notification notifications/initialized",
      "request tools/call",
      "request ping",
      "fallback no/such/method",
    ]);
  });

  it("says what moved, wraps nothing, and logs it once per isolate, when the handler maps are gone", () => {
    const moved = () => {
      const server = new McpServer({ name: "moved", version: "0.0.0" }, { jsonSchemaValidator: validator() });
      // What an SDK release that renamed its private fields would look like from here.
      Reflect.deleteProperty(server.server, "_requestHandlers");
      Reflect.set(server.server, "_notificationHandlers", {});
      return server;
    };
    const untouched = () => {
      throw new Error("must not wrap");
    };
    const wrapping = { request: untouched, notification: untouched, fallback: untouched };
    const lines: string[] = [];
    const console_ = vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    try {
      const first = moved();
      expect(sdkProblems(first)).toEqual([
        "Protocol._requestHandlers is not a Map",
        "Protocol._notificationHandlers is not a Map",
      ]);
      expect(wrapSdkHandlers(first, wrapping)).toBe(false);
      expect(first.server.fallbackRequestHandler).toBeUndefined();
      // A second session in the same isolate finds the same problem and says nothing more.
      expect(wrapSdkHandlers(moved(), wrapping)).toBe(false);
    } finally {
      console_.mockRestore();
    }
    const said = lines.filter((line) => line.includes("internals moved"));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("Protocol._requestHandlers is not a Map");
  });

  it("notices when a built-in handler is no longer in the map", () => {
    const server = new McpServer({ name: "moved", version: "0.0.0" }, { jsonSchemaValidator: validator() });
    const requests = Reflect.get(server.server, "_requestHandlers") as Map<string, unknown>;
    requests.delete("ping");
    expect(sdkProblems(server)).toEqual(["Protocol._requestHandlers has no ping handler"]);
  });
});
