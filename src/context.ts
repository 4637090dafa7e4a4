import type { PrimitiveSchemaDefinition } from "@modelcontextprotocol/sdk/types.js";
import type { GitHubClient } from "./github/client";

/** The signed-in GitHub user a request acts for. */
export interface ServerUser {
  id: number;
  login: string;
  name: string | null;
}

/** The MCP client on the other end, as far as we know it. */
export interface ServerClient {
  /** The OAuth client id that holds the grant. */
  id: string;
  /** `clientInfo.name` / `version` from initialize, when the client sent them. */
  name: string | undefined;
  version: string | undefined;
}

/** Structured logging that never prints to stdout (which belongs to the protocol over stdio). */
export interface Logger {
  info(message: string, fields?: Record<string, string | number | boolean>): void;
  warn(message: string, fields?: Record<string, string | number | boolean>): void;
  error(message: string, fields?: Record<string, string | number | boolean>): void;
}

/** MCP's log levels, least to most severe. */
export type ClientLogLevel =
  | "debug"
  | "info"
  | "notice"
  | "warning"
  | "error"
  | "critical"
  | "alert"
  | "emergency";

/** A form the user fills in (elicitation): a flat object of primitive or enum fields. */
export interface ElicitationSchema {
  type: "object";
  properties: Record<string, PrimitiveSchemaDefinition>;
  required?: string[];
}

/** What the user did with an elicitation, and what they entered when they accepted. */
export interface ElicitationResult {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown>;
}

/**
 * The way back to the MCP client during one request: everything sent here belongs to that request
 * (it travels on the request's own stream).
 */
export interface ClientChannel {
  /** Reports progress; a no-op unless the client asked for progress on this request. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Sends the client a log message (notifications/message), unless its level is below the client's. */
  log(level: ClientLogLevel, message: string): Promise<void>;
  /** Asks the client's model to answer `prompt` (sampling) and returns its text. */
  sample(prompt: string, maxTokens: number): Promise<string>;
  /** Asks the user to fill in a form (elicitation). */
  elicit(message: string, schema: ElicitationSchema): Promise<ElicitationResult>;
}

/**
 * What a tool may know. The host (Durable Object today, a stdio process later) builds it once per
 * request; tools never read `env`, props or Sentry themselves.
 */
export interface ServerContext {
  user: ServerUser;
  client: ServerClient;
  github: GitHubClient;
  logger: Logger;
  /**
   * Tools call this with the organisation or owner they act on, so telemetry can attribute the call.
   * A no-op where nothing observes.
   */
  setOrganization(slug: string): void;
  /** Talks back to the client during this request, where the host can (over MCP it always can). */
  channel?: ClientChannel;
}
