import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";

/**
 * What the server answers to messages the catalog does not know, before any handler runs. The MCP
 * spec answers both with JSON-RPC errors.
 */

type Request = { method: string; params?: Record<string, unknown> };

/** A tools/call naming no tool in the catalog is the caller's mistake (-32602); the SDK would reply isError. */
export function refuseUnknownTool(request: Request, tools: ReadonlySet<string>): void {
  if (request.method !== "tools/call") return;
  const name = request.params?.name;
  if (typeof name === "string" && tools.has(name)) return;
  throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${String(name).slice(0, 64)}`);
}

/** The answer to a method no handler serves (-32601), naming at most 64 characters of it. */
export async function methodNotFound(request: Request): Promise<never> {
  throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${request.method.slice(0, 64)}`);
}
