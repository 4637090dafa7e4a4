import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { ClientChannel, ClientLogLevel } from "../context";
import { UserInputError } from "../errors";

/** The SDK's per-request `extra`: how a handler answers on its own request's stream. */
export type RequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const SEVERITY: readonly ClientLogLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/**
 * Builds each request's ClientChannel for one session's MCP server. With `logging`, the server
 * declares the logging capability and keeps the level the client sets with logging/setLevel; call
 * it before the server connects (capabilities are fixed by then).
 */
export class ClientChannels {
  private minimum: LoggingLevel | undefined;

  constructor(
    private readonly server: McpServer,
    private readonly options: { logging: boolean },
  ) {
    if (!options.logging) return;
    server.server.registerCapabilities({ logging: {} });
    server.server.setRequestHandler(SetLevelRequestSchema, async (request) => {
      this.minimum = request.params.level;
      return {};
    });
  }

  /** The channel for the request `extra` belongs to. */
  for(extra: RequestExtra): ClientChannel {
    const progressToken = extra._meta?.progressToken;
    const capabilities = () => this.server.server.getClientCapabilities() ?? {};
    return {
      progress: async (progress, total, message) => {
        if (progressToken === undefined) return;
        await extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken, progress, total, message },
        });
      },
      log: async (level, message) => {
        if (!this.options.logging || this.ignored(level)) return;
        await extra.sendNotification({ method: "notifications/message", params: { level, data: message } });
      },
      sample: async (prompt, maxTokens) => {
        if (!capabilities().sampling) throw new UserInputError("This MCP client does not offer sampling.");
        const result = await extra.sendRequest(
          {
            method: "sampling/createMessage",
            params: { messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens },
          },
          CreateMessageResultSchema,
        );
        return result.content.type === "text" ? result.content.text : `(${result.content.type} reply)`;
      },
      elicit: async (message, schema) => {
        if (!capabilities().elicitation) {
          throw new UserInputError("This MCP client cannot ask its user for input (no elicitation).");
        }
        const result = await extra.sendRequest(
          { method: "elicitation/create", params: { message, requestedSchema: schema } },
          ElicitResultSchema,
        );
        return { action: result.action, content: result.content };
      },
    };
  }

  private ignored(level: ClientLogLevel): boolean {
    return this.minimum !== undefined && SEVERITY.indexOf(level) < SEVERITY.indexOf(this.minimum);
  }
}
