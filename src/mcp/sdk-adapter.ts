import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { JSONRPCRequest, Notification, ServerResult } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { createLogger } from "../telemetry/logger";
import type { RequestExtra } from "./channel";

/**
 * The one file that touches the MCP SDK's private fields. The SDK offers no hook around the handlers
 * it installs for tools, resources and prompts (nor for initialize, ping and the rest), and one span
 * per message needs one: so the handler maps of its `Protocol` class are read and rewritten here, and
 * nowhere else. `sdkProblems` says when they no longer look as this expects; a test asserts it finds
 * none, and production logs once per isolate and serves unobserved rather than not at all.
 */

/** A request handler as the SDK stores it: the raw JSON-RPC request, after the method matched. */
export type SdkRequestHandler = (request: JSONRPCRequest, extra: RequestExtra) => Promise<unknown>;
export type SdkNotificationHandler = (notification: Notification) => Promise<void>;

/** How to wrap each handler; `fallback` answers the methods no handler serves. */
export interface HandlerWrapping {
  request(method: string, handler: SdkRequestHandler): SdkRequestHandler;
  notification(method: string, handler: SdkNotificationHandler): SdkNotificationHandler;
  fallback: SdkRequestHandler;
}

type ProtocolInternals = { _requestHandlers?: unknown; _notificationHandlers?: unknown };

/** Methods every SDK server handles from construction on: their handlers must be in the maps. */
const BUILT_IN_REQUESTS = ["initialize", "ping"] as const;
const BUILT_IN_NOTIFICATIONS = ["notifications/initialized", "notifications/cancelled"] as const;

function internalsOf(server: McpServer): ProtocolInternals {
  // The private fields, read structurally: the SDK declares them `private`, so its types cannot say.
  return server.server as unknown as ProtocolInternals;
}

/**
 * What about `server` (a fresh SDK server by default) no longer matches what `wrapSdkHandlers`
 * relies on; empty when everything does.
 */
export function sdkProblems(
  server: McpServer = new McpServer(
    { name: "sdk-check", version: "0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  ),
): string[] {
  const internals = internalsOf(server);
  const problems: string[] = [];
  const requests = internals._requestHandlers;
  const notifications = internals._notificationHandlers;
  if (!(requests instanceof Map)) problems.push("Protocol._requestHandlers is not a Map");
  else
    for (const method of BUILT_IN_REQUESTS)
      if (typeof requests.get(method) !== "function")
        problems.push(`Protocol._requestHandlers has no ${method} handler`);
  if (!(notifications instanceof Map)) problems.push("Protocol._notificationHandlers is not a Map");
  else
    for (const method of BUILT_IN_NOTIFICATIONS)
      if (typeof notifications.get(method) !== "function")
        problems.push(`Protocol._notificationHandlers has no ${method} handler`);
  return problems;
}

let reported = false;

/**
 * Wraps every request and notification handler `server` has now (call it after the whole catalog is
 * registered) and installs `fallback` for unknown methods. When the SDK's internals moved, nothing is
 * wrapped, the problem is logged once per isolate, and false comes back.
 */
export function wrapSdkHandlers(server: McpServer, wrapping: HandlerWrapping): boolean {
  const problems = sdkProblems(server);
  if (problems.length > 0) {
    if (!reported) {
      reported = true;
      createLogger().error("MCP protocol spans are off: the MCP SDK's internals moved", {
        problems: problems.join("; "),
      });
    }
    return false;
  }
  const internals = internalsOf(server);
  const requests = internals._requestHandlers as Map<string, SdkRequestHandler>;
  const notifications = internals._notificationHandlers as Map<string, SdkNotificationHandler>;
  for (const [method, handler] of requests) requests.set(method, wrapping.request(method, handler));
  for (const [method, handler] of notifications)
    notifications.set(method, wrapping.notification(method, handler));
  server.server.fallbackRequestHandler = wrapping.fallback as (
    request: JSONRPCRequest,
    extra: RequestExtra,
  ) => Promise<ServerResult>;
  return true;
}
