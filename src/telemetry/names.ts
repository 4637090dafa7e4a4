/**
 * Every name the telemetry emits: span ops, span and log attribute keys, metric names, and the attribute
 * values that queries filter on. The telemetry code writes these constants, never the strings, and the
 * panel and alert definitions (`src/observability/definitions.ts`) query through the same constants, so a
 * rename changes both at once. This file imports nothing: the observability code may import it without
 * pulling in the SDK.
 *
 * `SPAN_OP`, `ATTR` and `METRIC` are enums, not `as const` objects, because esbuild inlines enum
 * members across modules: the Worker bundle holds each string where it is used, as it did before these
 * constants, instead of a table of every name (as objects they added 775 B to the gzipped bundle). At
 * run time each is still an object of its values (`Object.values(ATTR)`).
 */

/** Span ops. */
export enum SPAN_OP {
  /** One span per MCP message (`src/telemetry/protocol.ts`). */
  MCP_SERVER = "mcp.server",
}

/** Attribute keys on spans, metrics and log lines (one key means one thing wherever it appears). */
export enum ATTR {
  METHOD_NAME = "mcp.method.name",
  REQUEST_ID = "jsonrpc.request.id",
  SESSION_ID = "mcp.session.id",
  PROTOCOL_VERSION = "mcp.protocol.version",
  TRANSPORT = "mcp.transport",
  NETWORK_TRANSPORT = "network.transport",
  NETWORK_PROTOCOL_NAME = "network.protocol.name",
  CLIENT_NAME = "mcp.client.name",
  CLIENT_VERSION = "mcp.client.version",
  CLIENT_FAMILY = "client.family",
  CLIENT_ID = "client.id",
  USER_ID = "user.id",
  USER_NAME = "user.name",
  OPERATION_NAME = "gen_ai.operation.name",
  TOOL_NAME = "gen_ai.tool.name",
  /** The tool again, under the name events carry as a tag. */
  TOOL_TAG = "tool.name",
  PROMPT_NAME = "gen_ai.prompt.name",
  ORGANIZATION_SLUG = "organization.slug",
  /** Per-argument shape: `mcp.argument.{name}.type`, `.length`, `.items`, `.value`. */
  ARGUMENT_PREFIX = "mcp.argument",
  ARGUMENTS_TYPE = "mcp.arguments.type",
  ARGUMENTS_KEYS = "mcp.arguments.keys",
  ARGUMENTS_COUNT = "mcp.arguments.count",
  ARGUMENTS_UNKNOWN_COUNT = "mcp.arguments.unknown_count",
  ARGUMENTS_HASH = "mcp.arguments.hash",
  ARGUMENTS_VALID = "mcp.arguments.valid",
  ARGUMENTS_INVALID_PATH = "mcp.arguments.invalid_path",
  ARGUMENTS_INVALID_REASON = "mcp.arguments.invalid_reason",
  ARGUMENTS_VALUE = "mcp.arguments.value",
  OUTCOME = "mcp.outcome",
  ERROR_TYPE = "error.type",
  TOOL_ERROR_KIND = "mcp.tool.error_kind",
  GRANT_REVOKED = "mcp.grant.revoked",
  JSONRPC_ERROR_CODE = "rpc.jsonrpc.error_code",
  RESULT_BYTES = "mcp.result.bytes",
  RESULT_TRUNCATED = "mcp.result.truncated",
  RESULT_ORIGINAL_BYTES = "mcp.result.original_bytes",
  RESULT_TOKENS = "mcp.tool.result.tokens_estimate",
  ARGUMENTS_TOKENS = "mcp.tool.arguments.tokens_estimate",
  TOKENS_ESTIMATOR = "mcp.tokens.estimator",
  SESSION_CALL_INDEX = "mcp.session.call_index",
  SESSION_PREVIOUS_TOOL = "mcp.session.previous_tool",
  RESOURCE_TEMPLATE = "mcp.resource.template",
  RESOURCE_URI_HASH = "mcp.resource.uri.hash",
  RESOURCE_REREAD = "mcp.resource.reread",
  SESSION_REREAD_COUNT = "mcp.session.reread_count",
  LINK_TYPE = "sentry.link.type",
  /** Metrics and log lines: the tool, prompt or resource template (`none` when there is none). */
  TARGET = "mcp.target",
  /** `mcp.tool.context_tokens`: `result` or `arguments`. */
  TOKENS_DIRECTION = "mcp.tokens.direction",
  REJECTION_REASON = "mcp.rejection.reason",
  REJECTION_ROUTE = "mcp.rejection.route",
  REJECTION_HOST = "mcp.rejection.host",
  HTTP_STATUS_CODE = "http.response.status_code",
}

/** Metric names (Sentry trace metrics). */
export enum METRIC {
  OPERATION_DURATION = "mcp.server.operation.duration",
  TOOL_CALLS = "mcp.tool.calls",
  TOOL_RESULT_SIZE = "mcp.tool.result.size",
  TOOL_CONTEXT_TOKENS = "mcp.tool.context_tokens",
  TRANSPORT_REJECTIONS = "mcp.transport.rejections",
  REPLY_TRUNCATED = "mcp.reply.truncated",
}

/** Values of `mcp.outcome`: how one MCP operation ended. */
export const OUTCOME = {
  SUCCESS: "success",
  TOOL_ERROR: "tool_error",
  VALIDATION_ERROR: "validation_error",
  RATE_LIMITED: "rate_limited",
  PROTOCOL_ERROR: "protocol_error",
  CANCELLED: "cancelled",
} as const;

/** Values of `mcp.tokens.direction`. */
export const TOKENS_DIRECTION = { RESULT: "result", ARGUMENTS: "arguments" } as const;

/**
 * Values of `mcp.method.name` that queries select on. These are MCP's own method names, which the
 * protocol fixes; they are here so that definitions do not spell them out.
 */
export const METHOD = {
  INITIALIZE: "initialize",
  TOOLS_CALL: "tools/call",
  RESOURCES_READ: "resources/read",
  PROMPTS_GET: "prompts/get",
} as const;
