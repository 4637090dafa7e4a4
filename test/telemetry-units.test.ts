import { describe, expect, it } from "vitest";
import { hostSentryOptions } from "../src/mcp/agent";
import { canonicalStatus, clientFamilyOf } from "../src/telemetry/protocol";
import { createTracesSampler, parseToolRates } from "../src/telemetry/sampling";
import { scrubString, scrubValue, stripQuery } from "../src/telemetry/scrub";
import { sentryOptions } from "../src/telemetry/sentry";
import { type SessionRecord, SessionTracker } from "../src/telemetry/session";
import { argumentsHash, canonicalJson, describeArguments } from "../src/telemetry/shape";
import { fromTraceparent, traceFromMeta } from "../src/telemetry/trace-context";
import { FORBIDDEN_PATTERNS } from "./helpers/secrets";

const SAMPLES = [
  "gho_16C7e42F292c6912E7710c838347Ae178B4a",
  "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
  "ghu_abcdefghijklmnopqrstuvwxyz0123456789",
  "ghs_abcdefghijklmnopqrstuvwxyz0123456789",
  "ghr_abcdefghijklmnopqrstuvwxyz0123456789",
  "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
];

describe("scrubbing", () => {
  it.each(SAMPLES)("redacts the GitHub token %s wherever it appears", (token) => {
    const out = scrubString(`failed with ${token} in the header`);
    expect(out).not.toContain(token);
    expect(out).toContain("[redacted]");
  });

  it("redacts bearer credentials, emails and OAuth code/state query values", () => {
    const out = scrubString(
      "Authorization: Bearer 123:abc:def456ghi for mona@example.com at /callback?code=abc123&state=xyz789&x=1",
    );
    expect(out).toBe(
      "Authorization: Bearer [redacted] for [redacted] at /callback?code=[redacted]&state=[redacted]&x=1",
    );
  });

  it("empties sensitive keys and scrubs nested strings", () => {
    const out = scrubValue({
      headers: { cookie: "a=b", Authorization: "x" },
      nested: [{ note: "to a@b.io" }],
    });
    expect(out).toEqual({
      headers: { cookie: "[redacted]", Authorization: "[redacted]" },
      nested: [{ note: "to [redacted]" }],
    });
  });

  it("empties header attributes named as dotted paths", () => {
    const out = scrubValue({
      "http.request.header.authorization": "Bearer x",
      "http.request.header.cookie": "a=b",
    });
    expect(out).toEqual({
      "http.request.header.authorization": "[redacted]",
      "http.request.header.cookie": "[redacted]",
    });
  });

  it("drops query strings", () => {
    expect(stripQuery("https://x.test/callback?code=1&state=2#frag")).toBe("https://x.test/callback");
  });

  it("leaves nothing the privacy scan would flag", () => {
    const dirty = `${SAMPLES.join(" ")} Bearer abcdefgh12345678 me@example.com /cb?code=1&state=2 "cookie":"x"`;
    const payload = {
      message: dirty,
      cookie: "session=1",
      "http.request.header.authorization": { value: "Bearer 1:2:3", type: "string" },
    };
    const clean = JSON.stringify(scrubValue(payload));
    for (const [what, pattern] of FORBIDDEN_PATTERNS) expect(pattern.test(clean), what).toBe(false);
    for (const [what, pattern] of FORBIDDEN_PATTERNS)
      expect(pattern.test(JSON.stringify(payload)), what).toBe(true);
  });
});

describe("argument shape", () => {
  it("describes types, lengths, counts and numbers, never string values", () => {
    const shape = describeArguments(
      { title: "secret words", labels: ["a", "b"], number: 7, draft: false, extra: null },
      ["title", "labels", "number", "draft", "extra"],
    );
    expect(shape).toEqual({
      "mcp.arguments.keys": "draft,extra,labels,number,title",
      "mcp.arguments.count": 5,
      "mcp.argument.draft.type": "boolean",
      "mcp.argument.draft.value": false,
      "mcp.argument.extra.type": "null",
      "mcp.argument.labels.type": "array",
      "mcp.argument.labels.items": 2,
      "mcp.argument.number.type": "number",
      "mcp.argument.number.value": 7,
      "mcp.argument.title.type": "string",
      "mcp.argument.title.length": 12,
    });
    expect(JSON.stringify(shape)).not.toContain("secret");
  });

  it("names only the arguments the schema declares, and counts the rest", () => {
    const shape = describeArguments({ owner: "octocat", "acme/secret-repo": 1, "my password": "x" }, [
      "owner",
    ]);
    expect(shape["mcp.arguments.keys"]).toBe("owner");
    expect(shape["mcp.arguments.count"]).toBe(3);
    expect(shape["mcp.arguments.unknown_count"]).toBe(2);
    expect(JSON.stringify(shape)).not.toMatch(/secret-repo|password/);
    expect(describeArguments({ anything: 1 })).toEqual({
      "mcp.arguments.keys": "",
      "mcp.arguments.count": 1,
      "mcp.arguments.unknown_count": 1,
    });
  });

  it("hashes equal arguments equally whatever their key order", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(argumentsHash({ a: 1, b: "x" })).toBe(argumentsHash({ b: "x", a: 1 }));
    expect(argumentsHash({ a: 1, b: "x" })).not.toBe(argumentsHash({ a: 1, b: "y" }));
    expect(argumentsHash({})).toMatch(/^[0-9a-f]{16}$/);
  });

  it("keys the hash with the session's salt, so short values cannot be looked up by hash", () => {
    expect(argumentsHash({ owner: "octocat" }, "salt-a")).not.toBe(
      argumentsHash({ owner: "octocat" }, "salt-b"),
    );
    expect(argumentsHash({ owner: "octocat" }, "salt-a")).toBe(argumentsHash({ owner: "octocat" }, "salt-a"));
  });
});

describe("trace context", () => {
  it("turns a W3C traceparent into sentry-trace, keeping the sampled flag", () => {
    expect(fromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toEqual({
      sentryTrace: "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
      baggage: undefined,
    });
    expect(fromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sentryTrace).toMatch(
      /-0$/,
    );
  });

  it.each(["", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-abc-def-01", 42])(
    "ignores a malformed traceparent (%s)",
    (value) => {
      expect(fromTraceparent(value)).toBeUndefined();
    },
  );

  it("reads traceparent and baggage from _meta", () => {
    const meta = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", baggage: "k=v" };
    expect(traceFromMeta(meta)?.baggage).toBe("k=v");
    expect(traceFromMeta(undefined)).toBeUndefined();
  });
});

describe("client family", () => {
  it.each([
    ["claude-ai", "claude"],
    ["Claude Desktop", "claude"],
    ["cursor-vscode", "cursor"],
    ["Visual Studio Code", "vscode"],
    ["mcp-inspector", "inspector"],
    ["mcp-remote", "mcp-remote"],
    ["my-agent", "other"],
    [undefined, "other"],
  ])("%s is %s", (name, family) => {
    expect(clientFamilyOf(name)).toBe(family);
  });
});

describe("session tracker", () => {
  it("orders calls, remembers the previous tool and counts re-reads, persisting each change", () => {
    const writes: unknown[] = [];
    let stored: SessionRecord | undefined;
    const tracker = new SessionTracker({
      get: () => stored,
      put: (record) => {
        stored = record;
        writes.push(record);
      },
    });
    expect(tracker.toolCall("whoami")).toEqual({ index: 1, previousTool: null });
    expect(tracker.toolCall("get_issue")).toEqual({ index: 2, previousTool: "whoami" });
    expect(tracker.resourceRead("aaa")).toEqual({ reread: false, rereads: 0 });
    expect(tracker.resourceRead("aaa")).toEqual({ reread: true, rereads: 1 });
    const salt = tracker.salt();
    expect(salt).toMatch(/^[0-9a-f]{32}$/);
    // A new tracker over the same storage (the object woke up again) carries on where it was.
    const again = new SessionTracker({
      get: () => stored,
      put: (record) => {
        stored = record;
      },
    });
    expect(again.toolCall("search_issues")).toEqual({ index: 3, previousTool: "get_issue" });
    expect(again.salt()).toBe(salt);
    expect(writes.length).toBeGreaterThanOrEqual(5);
  });
});

describe("token estimate", () => {
  // Counts from o200k_base (gpt-tokenizer 4.0.0); scripts/measure-tokens.mjs measures the whole corpus.
  it.each([
    ["Signed in to GitHub as octocat (The Octocat), user id 1001.", 19],
    ["- octo-org/octo-api#1 (open) Retry requests on 502 and 503 responses [enhancement]", 25],
  ])("comes within 10%% of o200k_base on %s", async (line, o200k) => {
    const { estimateTokens } = await import("../src/telemetry/tokens");
    expect(Math.abs(estimateTokens(line) - o200k)).toBeLessThanOrEqual(Math.ceil(o200k * 0.1));
  });

  it("is zero for nothing and grows with the text", async () => {
    const { estimateTokens } = await import("../src/telemetry/tokens");
    expect(estimateTokens("")).toBe(0);
    const line = "Signed in to GitHub as octocat (The Octocat), user id 1001.";
    expect(estimateTokens(line.repeat(10))).toBeGreaterThan(estimateTokens(line) * 8);
  });
});

describe("sampling", () => {
  const sampler = createTracesSampler(0.5, parseToolRates("search_issues=0.1, whoami=0"));
  const context = (attributes: Record<string, unknown>, parentSampled?: boolean) =>
    ({ name: "x", attributes, parentSampled, inheritOrSampleWith: (rate: number) => rate }) as Parameters<
      typeof sampler
    >[0];

  it("obeys the caller's sampled flag before anything else", () => {
    expect(sampler(context({ "gen_ai.tool.name": "whoami" }, true))).toBe(true);
    expect(sampler(context({ "gen_ai.tool.name": "get_issue" }, false))).toBe(false);
  });

  it("uses a tool's own rate, then the default", () => {
    expect(sampler(context({ "gen_ai.tool.name": "search_issues" }))).toBe(0.1);
    expect(sampler(context({ "gen_ai.tool.name": "whoami" }))).toBe(0);
    expect(sampler(context({ "gen_ai.tool.name": "get_issue" }))).toBe(0.5);
    expect(sampler(context({}))).toBe(0.5);
  });

  it.each(["whoami", "whoami=2", "Whoami=0.1", "whoami=0.1;x=1"])(
    "rejects the malformed entry %s by name",
    (value) => {
      expect(() => parseToolRates(value)).toThrow(/SENTRY_TOOL_SAMPLE_RATES entry/);
    },
  );
});

describe("Sentry options", () => {
  it("is off without a DSN", () => {
    expect(sentryOptions({ ENVIRONMENT: "production" }).enabled).toBe(false);
  });

  it("sends everything to Spotlight in development when there is no DSN", () => {
    const options = sentryOptions({
      ENVIRONMENT: "development",
      SENTRY_SPOTLIGHT: "http://localhost:8969/stream",
    });
    expect(options.enabled).toBe(true);
    expect(options.tunnel).toBe("http://localhost:8969/stream");
    expect(options.transportOptions?.headers).toEqual({ "Content-Type": "application/x-sentry-envelope" });
    expect(options.traceLifecycle).toBe("static");
  });

  it("copies to Spotlight through the host SDK's integration when a DSN is set", () => {
    const options = hostSentryOptions({
      ENVIRONMENT: "development",
      SENTRY_SPOTLIGHT: "http://localhost:8969/stream",
      SENTRY_DSN: "https://key@o1.ingest.sentry.io/1",
    });
    expect(options.tunnel).toBeUndefined();
    const integrations = typeof options.integrations === "function" ? options.integrations([]) : [];
    expect(integrations.map((integration) => integration.name)).toEqual(["Spotlight"]);
  });

  it("ignores SENTRY_SPOTLIGHT outside development", () => {
    const options = sentryOptions({
      ENVIRONMENT: "production",
      SENTRY_SPOTLIGHT: "http://localhost:8969/stream",
    });
    expect(options.enabled).toBe(false);
    expect(options.tunnel).toBeUndefined();
  });

  it("wires the default and per-tool sample rates from the environment into the sampler", () => {
    const { tracesSampler } = sentryOptions({
      SENTRY_TRACES_SAMPLE_RATE: "0.25",
      SENTRY_TOOL_SAMPLE_RATES: "whoami=0",
    });
    const sample = (tool: string) =>
      tracesSampler?.({
        name: "x",
        attributes: { "gen_ai.tool.name": tool },
        inheritOrSampleWith: (r: number) => r,
      });
    expect(sample("whoami")).toBe(0);
    expect(sample("get_issue")).toBe(0.25);
    // A typo must not take the server down: the overrides are dropped and the default applies.
    const lenient = sentryOptions({
      SENTRY_TRACES_SAMPLE_RATE: "0.5",
      SENTRY_TOOL_SAMPLE_RATES: "whoami=often",
    });
    expect(
      lenient.tracesSampler?.({
        name: "x",
        attributes: { "gen_ai.tool.name": "whoami" },
        inheritOrSampleWith: (r) => r,
      }),
    ).toBe(0.5);
  });

  it.each(["0,5", "50%", "2", "-0.1"])(
    "applies the documented default rate 1 to a malformed SENTRY_TRACES_SAMPLE_RATE (%s), saying so once",
    (value) => {
      const lines: string[] = [];
      const original = console.error;
      console.error = (line: string) => lines.push(line);
      try {
        for (let i = 0; i < 3; i++) {
          const { tracesSampler } = sentryOptions({ SENTRY_TRACES_SAMPLE_RATE: value });
          expect(tracesSampler?.({ name: "x", attributes: {}, inheritOrSampleWith: (r: number) => r })).toBe(
            1,
          );
        }
      } finally {
        console.error = original;
      }
      expect(
        lines.filter((line) => line.includes("SENTRY_TRACES_SAMPLE_RATE must be a number")),
      ).toHaveLength(1);
    },
  );

  it("drops Dedupe so every quoted Event ID is sent", () => {
    const options = sentryOptions({ SENTRY_DSN: "https://key@o1.ingest.sentry.io/1" });
    const kept =
      typeof options.integrations === "function"
        ? options.integrations([{ name: "Dedupe" }, { name: "Other" }])
        : [];
    expect(kept.map((integration) => integration.name)).toEqual(["Other"]);
  });
});

describe("span status", () => {
  it("says what went wrong in Sentry's canonical words", () => {
    expect(canonicalStatus("tool_error", "upstream_not_found")).toBe("not_found");
    expect(canonicalStatus("tool_error", "upstream_server_error")).toBe("unavailable");
    expect(canonicalStatus("tool_error", "user_input")).toBe("invalid_argument");
    expect(canonicalStatus("rate_limited", "rate_limited")).toBe("resource_exhausted");
    expect(canonicalStatus("cancelled", undefined)).toBe("cancelled");
    expect(canonicalStatus("tool_error", "internal")).toBe("internal_error");
  });
});
