import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { experimental_readRawConfig } from "wrangler";
import { createFakeGitHub } from "./test/doubles/fake-github";
import { createOtlpReceiver } from "./test/doubles/otlp-receiver";
import { createSentrySink } from "./test/doubles/sentry-sink";
import { SummaryReporter } from "./test/summary-reporter";

// The test doubles run here, in Node, behind miniflare's outbound service: every fetch the Worker,
// the Durable Object or a test makes leaves through it, so nothing reaches a real network.
const github = createFakeGitHub({
  webOrigin: "http://github.test",
  apiBase: "http://api.github.test",
  clientId: "test-github-client",
  clientSecret: "test-github-secret",
});
const sentry = createSentrySink("http://sentry.test");
// An OTLP/HTTP collector that decodes with opentelemetry-proto (the otlp test projects export to it).
const otlp = createOtlpReceiver("http://otlp.test");

// wrangler.jsonc's `alias` (build-time substitutions that cut the bundle) applies to the tests too: the pool
// bundles with Vite, which does not read it, and the suite must run the code that deploys. Wrangler matches
// the exact import path, so these do too (Vite's string aliases would also take subpaths).
const { rawConfig } = experimental_readRawConfig({ config: "./wrangler.jsonc" });
const alias = Object.entries<string>(rawConfig.alias ?? {}).map(([name, path]) => ({
  find: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`),
  replacement: new URL(path, import.meta.url).pathname,
}));

const outboundService = async (request: Request) => {
  if (github.handles(request)) return github.fetch(request);
  if (sentry.handles(request)) return sentry.fetch(request);
  if (otlp.handles(request)) return otlp.fetch(request);
  return new Response(`test outbound blocked: ${new URL(request.url).origin}`, { status: 599 });
};

const bindings = {
  ENVIRONMENT: "test",
  GITHUB_WEB_URL: "http://github.test",
  GITHUB_API_URL: "http://api.github.test",
  GITHUB_CLIENT_ID: "test-github-client",
  GITHUB_CLIENT_SECRET: "test-github-secret",
  GITHUB_TIMEOUT_MS: "1000",
  SENTRY_DSN: "http://public@sentry.test/1",
  PUBLIC_URL: "",
  // Low, so a prompt built from long arguments exceeds it too; no other test reply comes near.
  MCP_MAX_REPLY_BYTES: "16384",
};

/** Test files run against the Worker with these settings (wrangler.jsonc's, then the test bindings). */
function workers(name: string, files: { include: string[]; exclude?: string[] }, settings = {}) {
  return {
    extends: true as const,
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: { bindings: { ...bindings, ...settings }, outboundService },
      }),
    ],
    test: { name, ...files },
  };
}

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      workers("workers", { include: ["test/**/*.test.ts"], exclude: ["test/modes/**", "test/otlp/**"] }),
      // OTLP only: no DSN, every signal goes to the collector (the SDK runs on a placeholder DSN).
      workers(
        "otlp-only",
        { include: ["test/otlp/only.test.ts"] },
        {
          SENTRY_DSN: "",
          OTEL_EXPORTER_OTLP_ENDPOINT: "http://otlp.test",
          OTEL_SERVICE_NAME: "mcp-under-test",
        },
      ),
      // Sentry and OTLP at once, with signal-specific endpoints, headers and resource attributes.
      workers(
        "otlp-sentry",
        { include: ["test/otlp/both.test.ts"] },
        {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://otlp.test/custom/traces",
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://otlp.test/custom/logs",
          OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=test%20key,x-team=mcp",
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=mcp-traces",
          OTEL_RESOURCE_ATTRIBUTES: "service.namespace=tests,team=observability",
        },
      ),
      // Every telemetry mode gets the privacy scan: in development, Spotlight's static lifecycle sends
      // transactions, to the DSN (project 2), a copy of each envelope to the sidecar (here project 3),
      // and, re-encoded, to the OTLP receiver.
      workers(
        "spotlight-static",
        { include: ["test/modes/*.test.ts"] },
        {
          ENVIRONMENT: "development",
          PUBLIC_URL: "https://observable-mcp.test",
          SENTRY_DSN: "http://public@sentry.test/2",
          SENTRY_SPOTLIGHT: "http://sentry.test/api/3/envelope/",
          // Transactions, not streamed spans, reach the OTLP exporter here: it must read both.
          OTEL_EXPORTER_OTLP_ENDPOINT: "http://otlp.test",
        },
      ),
    ],
    setupFiles: ["test/helpers/privacy-scan.ts"],
    // The fake GitHub and the sink are shared; a fault set by one file must not hit another.
    fileParallelism: false,
    reporters: ["default", new SummaryReporter()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
