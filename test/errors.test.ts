import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConfigurationError,
  classifyError,
  UpstreamError,
  UserInputError,
} from "../src/errors";

const upstream = (status: number, reason: UpstreamError["reason"], upstreamMessage?: string) =>
  new UpstreamError(`GitHub answered ${status} to GET /repos/{owner}/{repo}`, {
    status,
    reason,
    hint: "What to do.",
    upstreamMessage,
  });

describe("the error contract (one classifier for the HTTP and MCP edges)", () => {
  it.each([
    [new UserInputError("owner is required."), "user_input", "never", 400, -32602],
    [new AuthenticationError("No sign-in."), "unauthenticated", "never", 401, -32602],
    [upstream(404, "not_found", "Not Found"), "upstream_not_found", "never", 502, -32002],
    [
      upstream(422, "validation", "Validation Failed (title missing)"),
      "upstream_validation",
      "never",
      502,
      -32602,
    ],
    [upstream(503, "server_error"), "upstream_server_error", "always", 502, -32603],
    [upstream(502, "invalid_response"), "upstream_invalid_response", "always", 502, -32603],
    [
      new ConfigurationError("GITHUB_TIMEOUT_MS must be a whole number."),
      "configuration",
      "once",
      503,
      -32603,
    ],
    [new TypeError("x is undefined"), "internal", "always", 500, -32603],
  ])("classifies %s", (error, kind, report, status, rpcCode) => {
    expect(classifyError(error)).toMatchObject({ kind, report, status, rpcCode });
  });

  it("tells the caller GitHub's own words for a 4xx, and nothing internal for the rest", () => {
    expect(classifyError(upstream(422, "validation", "Validation Failed (title missing)")).text).toBe(
      "GitHub refused this (422). GitHub said: Validation Failed (title missing). What to do.",
    );
    expect(classifyError(new TypeError("secret internals")).text).toBe("Something went wrong on our side.");
    expect(classifyError(new AuthenticationError("No sign-in.")).text).toContain("Reconnect this server");
  });

  it("names the setting at fault, never its value", () => {
    const error = new ConfigurationError('PUBLIC_URL must be an absolute URL, got "not a url".');
    expect(error.setting).toBe("PUBLIC_URL");
    const { text } = classifyError(error);
    expect(text).toContain("Its PUBLIC_URL setting needs fixing");
    expect(text).not.toContain("not a url");
    expect(classifyError(new ConfigurationError("Something is off.")).text).toContain(
      "Its settings need fixing",
    );
  });
});
