/**
 * The error types every layer shares, and the one classifier that decides, for the HTTP edge and the
 * MCP edge alike, what is reported and what the user or model is told. Handlers throw; the edges ask
 * {@link classifyError} and only render what it decided.
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
  /** GitHub's own message, and for a 422 the fields it names: shown to the model for a 4xx. */
  readonly upstreamMessage: string | undefined;

  constructor(
    message: string,
    init: {
      status: number;
      reason: UpstreamReason;
      hint: string;
      requestId?: string | undefined;
      resetAt?: Date | undefined;
      upstreamMessage?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.reason = init.reason;
    this.hint = init.hint;
    this.requestId = init.requestId;
    this.resetAt = init.resetAt;
    this.upstreamMessage = init.upstreamMessage;
  }

  /** True when the failure is the caller's or the user's to fix, so it is not reported as an exception. */
  get expected(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

/**
 * Configuration is missing or malformed: the operator must fix the deployment. The message is for the
 * operator (it goes to Sentry) and begins with the name of the setting at fault.
 */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";

  /** The setting the message begins with, e.g. `GITHUB_TIMEOUT_MS`; public pages name it, never its value. */
  get setting(): string | undefined {
    return /^[A-Z][A-Z0-9_]{2,}\b/.exec(this.message)?.[0];
  }
}

/** The request carries no usable sign-in (a session without a grant): the client must sign in again. */
export class AuthenticationError extends Error {
  override readonly name = "AuthenticationError";
}

/** What the edges do with an error. */
export interface ErrorVerdict {
  /** A stable, low-cardinality name for telemetry (`mcp.tool.error_kind`). */
  kind: string;
  /**
   * `never`: the caller's or user's to fix, explained instead; `always`: ours or GitHub's, reported
   * and referenced by its Event ID; `once`: the operator's to fix, reported once per isolate rather
   * than on every request that meets it.
   */
  report: "never" | "always" | "once";
  /** The HTTP status at the HTTP edge. */
  status: number;
  /** The JSON-RPC error code when a resource read or prompt fails. */
  rpcCode: number;
  /** A short title for a page. */
  title: string;
  /** What the user or model is told: what happened and what to do, nothing internal. */
  text: string;
}

/** JSON-RPC codes the MCP specification uses. */
export const RPC = { invalidParams: -32602, internal: -32603, resourceNotFound: -32002 } as const;

/** The one error contract. */
export function classifyError(error: unknown): ErrorVerdict {
  if (error instanceof UserInputError) {
    return verdict(
      "user_input",
      "never",
      400,
      RPC.invalidParams,
      "This request cannot be served",
      error.message,
    );
  }
  if (error instanceof AuthenticationError) {
    return verdict(
      "unauthenticated",
      "never",
      401,
      RPC.invalidParams,
      "Not signed in",
      `${error.message} Reconnect this server in your MCP client to sign in again.`,
    );
  }
  if (error instanceof UpstreamError) {
    const kind = `upstream_${error.reason}`;
    if (error.expected) {
      const said = error.upstreamMessage ? ` GitHub said: ${error.upstreamMessage}.` : "";
      return verdict(
        kind,
        "never",
        502,
        error.reason === "not_found" ? RPC.resourceNotFound : RPC.invalidParams,
        "GitHub refused this",
        `GitHub refused this (${error.status}).${said} ${error.hint}`,
      );
    }
    return verdict(
      kind,
      "always",
      502,
      RPC.internal,
      "GitHub could not complete this",
      `GitHub could not complete this. ${error.hint}`,
    );
  }
  if (error instanceof ConfigurationError) {
    const which = error.setting ? `Its ${error.setting} setting needs fixing` : "Its settings need fixing";
    return verdict(
      "configuration",
      "once",
      503,
      RPC.internal,
      "This server is misconfigured",
      `This server is misconfigured. ${which}, and its operator has been told. Try again later.`,
    );
  }
  return verdict(
    "internal",
    "always",
    500,
    RPC.internal,
    "Something went wrong",
    "Something went wrong on our side.",
  );
}

function verdict(
  kind: string,
  report: ErrorVerdict["report"],
  status: number,
  rpcCode: number,
  title: string,
  text: string,
): ErrorVerdict {
  return { kind, report, status, rpcCode, title, text };
}
