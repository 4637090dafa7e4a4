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
}
