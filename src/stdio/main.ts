/**
 * The stdio host: `npx observable-mcp`. The same tools, resources, prompts, error contract and
 * telemetry as the Worker, for one user on their own machine, with a personal access token instead of
 * OAuth. stdout carries the MCP protocol and nothing else; every log line goes to stderr.
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import { parseArgs } from "node:util";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { captureException, flush, suppressTracing } from "@sentry/core";
import { type Config, readConfig } from "../config";
import { ConfigurationError, UpstreamError } from "../errors";
import { createGitHubClient, githubRouteTemplater } from "../github/client";
import { createLogger } from "../telemetry/logger";
import { consoleToStderr } from "./log";
import { createStdioServer } from "./server";
import { InFlightTransport } from "./transport";

/** Exit codes: a setting or argument to fix, GitHub refusing the token, anything else at start. */
const EXIT = { startup: 1, usage: 2, tokenRejected: 3 } as const;
/** How long the calls in flight get to finish, then how long telemetry gets to leave, at exit. */
const SETTLE_MS = 1500;
const FLUSH_MS = 2000;

const USAGE = `Usage: observable-mcp [--token-file <path>]

An MCP server on stdio for GitHub. Settings (environment):
  GITHUB_TOKEN       a GitHub personal access token (or --token-file <path>, a file holding one)
  GITHUB_API_URL     the REST API base, for GitHub Enterprise (default https://api.github.com)
  SENTRY_DSN         send telemetry to this Sentry project
  OTEL_EXPORTER_OTLP_ENDPOINT
                     send the same spans, logs and errors to this OTLP/HTTP collector (JSON); with
                     OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
  With neither, nothing is sent anywhere.`;

const log = createLogger({}, { toSentry: false });

class StartupFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

async function main(): Promise<void> {
  consoleToStderr();
  const args = readArgs();
  if (args.help) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  if (args.version) {
    process.stderr.write(`observable-mcp ${OBSERVABLE_MCP_VERSION}\n`);
    return;
  }
  const config = readSettings();
  const token = await readToken(args.tokenFile);
  // Telemetry is opt-in: without a DSN or an OTLP endpoint the Sentry SDK is never loaded, so nothing
  // can connect anywhere. With OTLP only, the SDK still builds the spans (src/telemetry/otlp.ts).
  const dsn = process.env.SENTRY_DSN?.trim();
  const telemetry =
    dsn || config.otlp
      ? (await import("./sentry")).startSentry(process.env, {
          release: `observable-mcp@${OBSERVABLE_MCP_VERSION}`,
          templateUrl: githubRouteTemplater(config.githubApiUrl),
        })
      : undefined;

  const github = createGitHubClient({
    apiBase: config.githubApiUrl,
    token: token.value,
    timeoutMs: config.githubTimeoutMs,
    unauthorizedHint:
      "GitHub no longer accepts this server's token (GITHUB_TOKEN or --token-file): it expired or was revoked. Create a new one and restart the server.",
  });
  const user = await checkToken(github, token.source, config.githubApiUrl);

  const background = new Set<Promise<unknown>>();
  const server = createStdioServer({
    user: { id: user.id, login: user.login, name: user.name },
    github,
    config,
    sessionId: newSessionId(),
    waitUntil: (promise) => {
      background.add(promise);
      void promise.finally(() => background.delete(promise));
    },
  });
  const transport = new InFlightTransport(new StdioServerTransport());

  let exiting = false;
  const exit = async (code: number, why: string) => {
    if (exiting) return;
    exiting = true;
    log.info(`observable-mcp stopping: ${why}`);
    // Calls already received still get their replies and their telemetry; then the buffers leave.
    const deadline = Date.now() + SETTLE_MS;
    const settled = await transport.settled(SETTLE_MS);
    if (!settled) log.warn("observable-mcp stopping with calls still in flight");
    await Promise.race([Promise.allSettled([...background]), delay(Math.max(0, deadline - Date.now()))]);
    if (telemetry && !(await telemetry.flush(FLUSH_MS))) log.warn("telemetry did not finish sending in time");
    process.exit(code);
  };
  process.stdin.on("end", () => void exit(0, "stdin closed"));
  // The client went away while a reply was being written (EPIPE): nobody is left to answer.
  process.stdout.on("error", () => void exit(0, "stdout closed"));
  process.on("SIGINT", () => void exit(130, "SIGINT"));
  process.on("SIGTERM", () => void exit(143, "SIGTERM"));
  process.on("SIGHUP", () => void exit(129, "SIGHUP"));

  await server.connect(transport);
  log.info(`observable-mcp ${OBSERVABLE_MCP_VERSION} serving MCP on stdio`, {
    "user.login": user.login,
    "github.api": config.githubApiUrl,
    telemetry: dsn && config.otlp ? "sentry+otlp" : dsn ? "sentry" : config.otlp ? "otlp" : "off",
  });
}

function readArgs(): { tokenFile?: string; help?: boolean; version?: boolean } {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        "token-file": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    });
    return { tokenFile: values["token-file"], help: values.help, version: values.version };
  } catch (error) {
    process.stderr.write(`${USAGE}\n`);
    throw new StartupFailure(messageOf(error), EXIT.usage);
  }
}

function readSettings(): Config {
  try {
    return readConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new StartupFailure(error.message, EXIT.usage);
    throw error;
  }
}

/** The token and where it came from, named in messages instead of the token itself. */
async function readToken(tokenFile: string | undefined): Promise<{ value: string; source: string }> {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(tokenFile, "utf8");
    } catch (error) {
      throw new StartupFailure(
        `--token-file ${tokenFile} cannot be read (${(error as { code?: string }).code ?? messageOf(error)}).`,
        EXIT.usage,
      );
    }
    const value = text.trim();
    if (!value)
      throw new StartupFailure(`--token-file ${tokenFile} is empty: put a GitHub token in it.`, EXIT.usage);
    return { value, source: `the token in --token-file ${tokenFile}` };
  }
  const value = process.env.GITHUB_TOKEN?.trim();
  if (!value) {
    throw new StartupFailure(
      "GITHUB_TOKEN is not set. Set it to a GitHub personal access token (the README says which permissions each tool needs), or pass --token-file <path>.",
      EXIT.usage,
    );
  }
  return { value, source: "GITHUB_TOKEN" };
}

/** GET /user with the token: who the server acts for, or a clear refusal before any client connects. */
async function checkToken(github: ReturnType<typeof createGitHubClient>, source: string, apiBase: string) {
  try {
    // Not an MCP message: no trace of its own, so every trace is one message's.
    return await suppressTracing(() => github.getAuthenticatedUser());
  } catch (error) {
    if (error instanceof UpstreamError && error.status === 401) {
      throw new StartupFailure(
        `GitHub (${apiBase}) refused ${source} (401${error.upstreamMessage ? `: ${error.upstreamMessage}` : ""}). The token is wrong, expired or revoked: create a new one and set ${source === "GITHUB_TOKEN" ? "GITHUB_TOKEN" : "--token-file"} again.`,
        EXIT.tokenRejected,
      );
    }
    const detail =
      error instanceof UpstreamError
        ? `(${error.status ? `HTTP ${error.status}` : error.reason}). ${error.hint}`
        : `(${messageOf(error)}).`;
    throw new StartupFailure(
      `Could not check ${source} with GET ${apiBase}/user ${detail} Is GITHUB_API_URL right?`,
      EXIT.startup,
    );
  }
}

function newSessionId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch(async (error: unknown) => {
  if (error instanceof StartupFailure) {
    log.error(`observable-mcp: ${error.message}`);
    process.exit(error.code);
  }
  // Ours to fix: reported when telemetry is on (a no-op otherwise), and never an exit code of 0.
  captureException(error, { mechanism: { type: "stdio.startup", handled: false } });
  await flush(FLUSH_MS);
  log.error(`observable-mcp failed to start: ${messageOf(error)}`, {
    "error.stack": error instanceof Error ? (error.stack ?? "") : "",
  });
  process.exit(EXIT.startup);
});
