import { describe, expect, it } from "vitest";
import { readConfig } from "../src/config";
import { ConfigurationError } from "../src/errors";

describe("configuration", () => {
  it("defaults to github.com and reads GitHub Enterprise bases", () => {
    expect(readConfig({}).githubApiUrl).toBe("https://api.github.com");
    const ghe = readConfig({
      GITHUB_WEB_URL: "https://ghe.example.com/",
      GITHUB_API_URL: "https://ghe.example.com/api/v3",
    });
    expect(ghe.githubWebUrl).toBe("https://ghe.example.com");
    expect(ghe.githubApiUrl).toBe("https://ghe.example.com/api/v3");
  });

  it.each([
    ["http://localhost:8790", "https://api.github.com"],
    ["https://github.com", "http://127.0.0.1:8790/api/v3"],
    ["http://github.internal", "https://api.github.com"],
  ])("refuses a local GitHub stand-in (%s, %s) outside development", (web, api) => {
    const env = { GITHUB_WEB_URL: web, GITHUB_API_URL: api };
    expect(() => readConfig({ ...env, ENVIRONMENT: "production" })).toThrow(ConfigurationError);
    expect(() => readConfig({ ...env, ENVIRONMENT: "production" })).toThrow(/only ENVIRONMENT=development/);
    expect(() => readConfig(env)).toThrow(ConfigurationError);
    expect(readConfig({ ...env, ENVIRONMENT: "development" }).development).toBe(true);
  });

  it("names the setting that is malformed", () => {
    expect(() => readConfig({ GITHUB_TIMEOUT_MS: "soon" })).toThrow(/GITHUB_TIMEOUT_MS/);
    expect(() => readConfig({ GITHUB_API_URL: "api.github.com" })).toThrow(
      /GITHUB_API_URL must be an absolute URL/,
    );
    expect(() => readConfig({ GITHUB_COLLECT_EMAIL: "yes please" })).toThrow(/GITHUB_COLLECT_EMAIL/);
    for (const bad of ["lots", "1.5", "100", "2000000"]) {
      expect(() => readConfig({ MCP_MAX_REPLY_BYTES: bad })).toThrow(
        /MCP_MAX_REPLY_BYTES must be a whole number of bytes from 1024 to 786432/,
      );
    }
  });

  it("takes the rate limit's period as 10 or 60 seconds only", () => {
    expect(readConfig({}).rateLimitPeriodSeconds).toBe(60);
    expect(readConfig({ MCP_RATE_LIMIT_PERIOD_SECONDS: "10" }).rateLimitPeriodSeconds).toBe(10);
    expect(() => readConfig({ MCP_RATE_LIMIT_PERIOD_SECONDS: "30" })).toThrow(
      /MCP_RATE_LIMIT_PERIOD_SECONDS must be 10 or 60/,
    );
  });

  it("bounds replies at 256 KiB unless told otherwise", () => {
    expect(readConfig({}).maxReplyBytes).toBe(262144);
    expect(readConfig({ MCP_MAX_REPLY_BYTES: " " }).maxReplyBytes).toBe(262144);
    expect(readConfig({ MCP_MAX_REPLY_BYTES: "65536" }).maxReplyBytes).toBe(65536);
  });

  it("splits scopes on spaces and commas", () => {
    expect(readConfig({ GITHUB_SCOPES: "read:user, repo  user:email" }).githubScopes).toEqual([
      "read:user",
      "repo",
      "user:email",
    ]);
  });
});
