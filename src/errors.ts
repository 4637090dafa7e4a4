/**
 * The error types every layer shares. Handlers throw them; only the telemetry wrapper turns them into
 * MCP replies, and only the HTTP edge turns them into HTTP responses.
 */

/** The caller can fix this by changing its input. Shown to the model verbatim, never reported to Sentry. */
export class UserInputError extends Error {
  override readonly name = "UserInputError";
}

/** What a GitHub failure means for the person or agent on the other end. */
export type UpstreamReason =
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "validation"
  | "rate_limited"
  | "server_error"
  | "timeout"
  | "network"
  | "invalid_response";

/**
 * A call to GitHub failed. `status` is the HTTP status (0 for timeouts and network failures).
 * 4xx are expected and explained to the model; 5xx, timeouts and network failures are reported.
 */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  readonly status: number;
  readonly reason: UpstreamReason;
  /** What the user can do about it, in one sentence. */
  readonly hint: string;
  /** GitHub's request id, for support tickets; never secret. */
  readonly requestId: string | undefined;
  /** When a rate limit resets, if GitHub said. */
  readonly resetAt: Date | undefined;

  constructor(
    message: string,
    init: {
      status: number;
      reason: UpstreamReason;
      hint: string;
      requestId?: string | undefined;
      resetAt?: Date | undefined;
      cause?: unknown;
    },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.reason = init.reason;
    this.hint = init.hint;
    this.requestId = init.requestId;
    this.resetAt = init.resetAt;
  }

  /** True when the failure is the caller's or the user's to fix, so it is not reported as an exception. */
  get expected(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

/** Configuration is missing or malformed: the operator must fix the deployment. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}
