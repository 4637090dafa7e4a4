import * as Sentry from "@sentry/core";
import { createLogger } from "./logger";

/** Why the Worker refused an MCP request before it reached the session's Durable Object. */
export type TransportRejection = "origin" | "host" | "session" | "batch";

/** One refused MCP request, with nothing of the request but its route and, for origin/host, a hostname. */
export interface RejectionRecord {
  reason: TransportRejection;
  status: number;
  /** `mcp` (Streamable HTTP) or `sse` (legacy SSE and its message endpoint). */
  route: "mcp" | "sse";
  /** The refused Origin's or Host's hostname: no scheme, port, path or query. */
  host?: string;
}

const logger = createLogger();

/**
 * Counts a refused request (`mcp.transport.rejections`, by reason and route), marks the Worker's
 * request span, and logs one warning line. A session rejection carries no session id: a probe for
 * other users' sessions must not write their ids into telemetry.
 */
export function recordTransportRejection(record: RejectionRecord): void {
  const attributes = {
    "mcp.rejection.reason": record.reason,
    "mcp.rejection.route": record.route,
    "http.response.status_code": record.status,
  };
  Sentry.metrics.count("mcp.transport.rejections", 1, { attributes });
  const span = Sentry.getActiveSpan();
  span?.setAttributes(attributes);
  if (record.host) span?.setAttribute("mcp.rejection.host", record.host.slice(0, 253));
  logger.warn(`MCP request refused: ${record.reason}`, {
    ...attributes,
    ...(record.host ? { "mcp.rejection.host": record.host.slice(0, 253) } : {}),
  });
}
