import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Config } from "../config";
import type { ServerUser } from "../context";
import type { GitHubClient } from "../github/client";
import { ClientChannels } from "../mcp/channel";
import { rateLimitedText } from "../mcp/rate-limit";
import { type Catalog, registerCatalog } from "../mcp/register";
import { prompts } from "../prompts";
import { resourceTemplates } from "../resources";
import { SessionTracker } from "../telemetry/session";
import { tools } from "../tools";

/** What the stdio host knows once the token checked out: who it acts for and how it reaches GitHub. */
export interface StdioSession {
  user: ServerUser;
  github: GitHubClient;
  config: Pick<Config, "development" | "maxReplyBytes" | "recordArgumentValues" | "rateLimitPeriodSeconds">;
  /** This process's MCP session id, for telemetry (stdio has one session per process). */
  sessionId: string;
  /** Keeps a promise's work attributable until exit (the process waits for calls in flight anyway). */
  waitUntil(promise: Promise<unknown>): void;
}

/** The OAuth client id a Worker session carries; a stdio session has none, so telemetry reads this. */
export const STDIO_CLIENT_ID = "stdio";

/**
 * The MCP server of one stdio process: the Worker's catalog, registration and error contract
 * (src/mcp/register.ts), with the context built from the personal access token's user instead of an
 * OAuth grant, and the client from initialize's clientInfo.
 */
export function createStdioServer(
  session: StdioSession,
  catalog: Catalog = { tools, resourceTemplates, prompts },
) {
  // The same validator as the Worker, so a rejected argument reads the same over both transports.
  const server = new McpServer(
    { name: "observable-mcp", version: OBSERVABLE_MCP_VERSION },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const channels = new ClientChannels(server, { logging: catalog.clientLogging === true });
  registerCatalog(
    server,
    {
      baseContext: () => {
        const clientInfo = server.server.getClientVersion();
        return {
          user: session.user,
          client: { id: STDIO_CLIENT_ID, name: clientInfo?.name, version: clientInfo?.version },
          github: session.github,
        };
      },
      transport: () => "stdio",
      sessionId: () => session.sessionId,
      recordArgumentValues: session.config.recordArgumentValues,
      development: session.config.development,
      waitUntil: session.waitUntil,
      maxReplyBytes: session.config.maxReplyBytes,
      // One person's own process, on their own token: GitHub's rate limits are the ones that apply.
      admitToolCall: async () => true,
      rateLimitedText: rateLimitedText(session.config.rateLimitPeriodSeconds),
      // A personal access token has no grant here to revoke; the GitHub client's 401 hint (src/stdio/
      // main.ts) tells the user to replace it.
      revokeGrants: async () => 0,
      channel: (extra) => channels.for(extra),
      session: new SessionTracker(),
    },
    catalog,
  );
  return server;
}
