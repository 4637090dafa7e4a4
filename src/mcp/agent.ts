import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import * as Sentry from "@sentry/cloudflare";
import { McpAgent } from "agents/mcp";
import type { GrantProps } from "../auth/props";
import { revokeClientGrants } from "../auth/provider";
import { readConfig } from "../config";
import { AuthenticationError } from "../errors";
import { createGitHubClient, githubRouteTemplater } from "../github/client";
import { prompts } from "../prompts";
import { resourceTemplates } from "../resources";
import { type SentryEnv, sentryOptions } from "../telemetry/sentry";
import { type SessionRecord, SessionTracker } from "../telemetry/session";
import { tools } from "../tools";
import { ClientChannels } from "./channel";
import { SendingEventStore } from "./event-store";
import { admitToolCall, rateLimitedText, type ToolCallLimiter } from "./rate-limit";
import { type Catalog, registerCatalog } from "./register";

/** The MCP server name clients see, and the OTLP resource attribute `mcp.server.name`. */
const SERVER_NAME = "observable-mcp";
const SERVER_VERSION = "0.1.0";
/** Durable Object storage key of the session's telemetry record (see docs/storage.md). */
const SESSION_KEY = "telemetry:session";

/**
 * The MCP server for one session: one Durable Object per MCP session, on /mcp or /sse. Exported for
 * profiles that serve another catalog through the same host (conformance/worker.ts); production
 * binds only the instrumented `ObservableMcp` below.
 */
export class ObservableMcpBase extends McpAgent<Env, unknown, GrantProps> {
  // The Workers validator: the SDK's default (ajv) compiles with `new Function`, which Workers refuse, and
  // is left out of the bundle (build/ajv.js).
  server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  private sentryClient: ReturnType<typeof Sentry.getClient>;

  async init(): Promise<void> {
    // init() always runs inside a Sentry-wrapped entry point (fetch or a WebSocket message), so the
    // isolate's client is current here; onSSEMcpMessage needs it later, when it is not.
    this.sentryClient = Sentry.getClient();
    const config = readConfig(this.env);
    const catalog = this.catalog();
    const channels = new ClientChannels(this.server, { logging: catalog.clientLogging === true });
    registerCatalog(
      this.server,
      {
        baseContext: () => {
          const props = this.props;
          if (!props?.accessToken)
            throw new AuthenticationError("This MCP session carries no GitHub sign-in.");
          const clientInfo = this.server.server.getClientVersion();
          return {
            user: { id: props.githubId, login: props.login, name: props.name },
            client: { id: props.clientId, name: clientInfo?.name, version: clientInfo?.version },
            github: createGitHubClient({
              apiBase: config.githubApiUrl,
              token: props.accessToken,
              timeoutMs: config.githubTimeoutMs,
            }),
          };
        },
        transport: () => (this.getTransportType() === "sse" ? "sse" : "streamable-http"),
        sessionId: () => this.getSessionId(),
        recordArgumentValues: config.recordArgumentValues,
        development: config.development,
        waitUntil: (promise) => this.ctx.waitUntil(promise),
        maxReplyBytes: config.maxReplyBytes,
        admitToolCall: async () => {
          const props = this.props;
          if (!props) return true;
          const limiter = this.env.MCP_RATE_LIMITER as ToolCallLimiter | undefined;
          try {
            return await admitToolCall(limiter, props.githubId);
          } catch (error) {
            // A broken limiter must not take every tool down with it: let the call through, report it.
            Sentry.captureException(error, { mechanism: { type: "mcp.rate_limit", handled: true } });
            return true;
          }
        },
        rateLimitedText: rateLimitedText(config.rateLimitPeriodSeconds),
        revokeGrants: async () => {
          const props = this.props;
          return props ? revokeClientGrants(this.env, String(props.githubId), props.clientId) : 0;
        },
        channel: (extra) => channels.for(extra),
        session: new SessionTracker({
          get: () => this.ctx.storage.kv.get<SessionRecord>(SESSION_KEY),
          put: (record) => this.ctx.storage.kv.put(SESSION_KEY, record),
        }),
      },
      catalog,
    );
  }

  /** Streamable HTTP replay storage that never swallows a message it cannot store (see event-store.ts). */
  protected override getEventStore(): SendingEventStore {
    return new SendingEventStore(this.ctx.storage);
  }

  /** What this server offers: the production catalog, unless a profile serves another one. */
  protected catalog(): Catalog {
    return { tools, resourceTemplates, prompts };
  }

  /**
   * Legacy SSE delivers each message through this RPC method rather than fetch. The agents base class
   * rewraps public methods while the object is constructed, so @sentry/cloudflare takes it for
   * framework-managed and leaves it unwrapped: tools would run with no Sentry client and report
   * nothing. Run it in a fresh isolation scope with the isolate's client made current.
   */
  override async onSSEMcpMessage(
    sessionId: string,
    messageBody: unknown,
    extraInfo?: Parameters<McpAgent["onSSEMcpMessage"]>[2],
  ): Promise<Error | null> {
    const client = this.sentryClient ?? Sentry.getClient();
    if (!client || Sentry.getClient() === client)
      return super.onSSEMcpMessage(sessionId, messageBody, extraInfo);
    return Sentry.withIsolationScope((isolationScope) => {
      isolationScope.setClient(client);
      return Sentry.withScope((scope) => {
        scope.setClient(client);
        return super.onSSEMcpMessage(sessionId, messageBody, extraInfo);
      });
    });
  }
}

/**
 * The Sentry configuration of this host, for the Worker and the Durable Object alike: telemetry is
 * told how to name GitHub requests (route templates), which it cannot know itself.
 */
export function hostSentryOptions(env: SentryEnv & { GITHUB_API_URL?: string }) {
  return sentryOptions(env, {
    templateUrl: githubRouteTemplater(env.GITHUB_API_URL || "https://api.github.com"),
    serverName: SERVER_NAME,
    spotlightIntegration: Sentry.spotlightIntegration,
  });
}

/** The Durable Object class bound as MCP_OBJECT, instrumented with the shared Sentry configuration. */
export const ObservableMcp = Sentry.instrumentDurableObjectWithSentry(
  (env: Env) => hostSentryOptions(env),
  ObservableMcpBase,
);
