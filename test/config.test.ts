import { describe, expect, it } from "vitest";
import { readConfig, readOtlpSettings } from "../src/config";
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

  describe("OTLP settings", () => {
    it("is off without an endpoint, and appends the signal paths to the base endpoint", () => {
      expect(readConfig({}).otlp).toBeUndefined();
      const otlp = readOtlpSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com/otlp/" });
      expect(otlp?.tracesUrl).toBe("https://collector.example.com/otlp/v1/traces");
      expect(otlp?.logsUrl).toBe("https://collector.example.com/otlp/v1/logs");
      expect(otlp?.gzip).toBe(true);
    });

    it("uses a signal-specific endpoint as given, and exports only the signals that have one", () => {
      const otlp = readOtlpSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://localhost:4318/custom" });
      expect(otlp?.tracesUrl).toBe("http://localhost:4318/custom");
      expect(otlp?.logsUrl).toBeUndefined();
    });

    it("URL-decodes header and resource attribute values, keeping '=' inside a value", () => {
      const otlp = readOtlpSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com",
        OTEL_EXPORTER_OTLP_HEADERS: "x-sentry-auth=sentry sentry_key=abc, Authorization=Basic%20dXNlcjpwdw==",
        OTEL_RESOURCE_ATTRIBUTES: "service.namespace=mcp,team=obs%2Cplatform",
        OTEL_SERVICE_NAME: "my-mcp",
      });
      expect(otlp?.headers).toEqual({
        "x-sentry-auth": "sentry sentry_key=abc",
        Authorization: "Basic dXNlcjpwdw==",
      });
      expect(otlp?.resourceAttributes).toEqual({ "service.namespace": "mcp", team: "obs,platform" });
      expect(otlp?.serviceName).toBe("my-mcp");
    });

    it("adds a signal's own headers to the general ones, and reads the export timeout", () => {
      const otlp = readOtlpSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com",
        OTEL_EXPORTER_OTLP_HEADERS: "x-team=a,x-key=general",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-key=traces",
        OTEL_EXPORTER_OTLP_TIMEOUT: "5000",
      });
      expect(otlp?.signalHeaders.traces).toEqual({ "x-team": "a", "x-key": "traces" });
      expect(otlp?.signalHeaders.logs).toEqual({ "x-team": "a", "x-key": "general" });
      expect(otlp?.timeoutMs).toBe(5000);
      expect(readOtlpSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example.com" })?.timeoutMs).toBe(
        2000,
      );
      for (const bad of ["soon", "50", "60000"]) {
        expect(() =>
          readConfig({
            OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example.com",
            OTEL_EXPORTER_OTLP_TIMEOUT: bad,
          }),
        ).toThrow(/^OTEL_EXPORTER_OTLP_TIMEOUT must be a whole number of milliseconds/);
      }
    });

    it("names the malformed setting, and never quotes a header value", () => {
      const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com" };
      expect(() => readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector host" })).toThrow(
        /^OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute URL/,
      );
      expect(() => readConfig({ ...base, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "ftp://x/y" })).toThrow(
        /^OTEL_EXPORTER_OTLP_LOGS_ENDPOINT must be an http\(s\) URL/,
      );
      expect(() => readConfig({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(
        /^OTEL_EXPORTER_OTLP_PROTOCOL must be http\/json/,
      );
      expect(() => readConfig({ ...base, OTEL_EXPORTER_OTLP_COMPRESSION: "zstd" })).toThrow(
        /^OTEL_EXPORTER_OTLP_COMPRESSION/,
      );
      expect(() => readConfig({ ...base, OTEL_RESOURCE_ATTRIBUTES: "team" })).toThrow(
        /^OTEL_RESOURCE_ATTRIBUTES/,
      );
      let thrown: unknown;
      try {
        readConfig({ ...base, OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=s3cret%zz" });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigurationError);
      expect((thrown as ConfigurationError).setting).toBe("OTEL_EXPORTER_OTLP_HEADERS");
      expect((thrown as Error).message).not.toContain("s3cret");
    });

    it.each([
      ["a line feed", "x-api-key=s3cret%0Aevil"],
      ["a carriage return", "x-team=a,x-api-key=s3cret%0D%0AX-Evil:%201"],
      ["a NUL", "x-api-key=s3cret%00"],
      ["a character past Latin-1", "x-api-key=s3cret%E2%82%AC"],
    ])("refuses a header value that decodes to %s, naming the entry and not the value", (_what, headers) => {
      const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com" };
      for (const name of ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS"] as const) {
        let thrown: unknown;
        try {
          readConfig({ ...base, [name]: headers });
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ConfigurationError);
        expect((thrown as ConfigurationError).setting).toBe(name);
        expect((thrown as Error).message).toMatch(/entry \d \(x-api-key\)/);
        expect((thrown as Error).message).not.toContain("s3cret");
      }
    });

    it("keeps header values an HTTP header can carry: spaces, tabs, Latin-1", () => {
      const otlp = readOtlpSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com",
        OTEL_EXPORTER_OTLP_HEADERS: "x-a=one%20two%09three,x-b=caf%C3%A9",
      });
      expect(otlp?.headers).toEqual({ "x-a": "one two\tthree", "x-b": "café" });
      expect(() => new Headers(otlp?.headers)).not.toThrow();
    });

    it.each([
      ["OTEL_EXPORTER_OTLP_ENDPOINT", "https://user:pa55word@collector example.com"],
      ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector.example.com/v1/traces?api-key=pa55word"],
      ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "//collector.example.com/v1/logs?api-key=pa55word"],
    ])("names an unparsable %s without quoting it (it may hold a key)", (name, value) => {
      let thrown: unknown;
      try {
        readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com", [name]: value });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigurationError);
      expect((thrown as ConfigurationError).setting).toBe(name);
      expect((thrown as Error).message).toBe(`${name} must be an absolute URL.`);
      expect((thrown as Error).message).not.toContain("pa55word");
    });
  });
});
