// `npm run dev`: the whole server on this machine, with no accounts and no network.
//
//   - the Worker under `wrangler dev` on http://localhost:8788 (ENVIRONMENT=development)
//   - with no GitHub OAuth app configured (GITHUB_CLIENT_ID in the shell or .dev.vars), a local
//     GitHub stand-in for sign-in and the API: test/doubles/fake-github.ts, served from this process
//   - the Spotlight sidecar and UI on http://localhost:8969, which the Worker sends its errors,
//     traces and logs to (and, if SENTRY_DSN is set, to Sentry as well)
//   - the dashboard on http://127.0.0.1:8970: the panels and alerts of src/observability, live,
//     computed from what reaches Spotlight (scripts/dashboard)
//
// Ctrl-C (or SIGTERM) stops everything it started; so does any one of them dying.
// Ports: WORKER_PORT (8788), GITHUB_STAND_IN_PORT (8790), SPOTLIGHT_PORT (8969), DASHBOARD_PORT (8970).
import { createServer } from "node:net";
import { freePort } from "./lib/http.mjs";
import { watchParent } from "./lib/processes.mjs";
import { createStack, detectConfig, STAND_IN_CLIENT, stripAnsi } from "./lib/stack.mjs";

const startedAt = Date.now();
const ports = {
  worker: port("WORKER_PORT", 8788),
  github: port("GITHUB_STAND_IN_PORT", 8790),
  spotlight: port("SPOTLIGHT_PORT", 8969),
  dashboard: port("DASHBOARD_PORT", 8970),
  inspector: await freePort(),
};
const config = detectConfig();
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const standIn = !config.realGitHub;

function port(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) fail(`${name} must be a port number`);
  return value;
}

function fail(message) {
  console.error(`\nnpm run dev: ${message}`);
  process.exit(1);
}

async function assertFree(number, what) {
  const server = createServer();
  const error = await new Promise((resolve) => {
    server.once("error", resolve);
    server.listen(number, "127.0.0.1", () => server.close(() => resolve(null)));
  });
  if (error) {
    fail(
      error.code === "EADDRINUSE"
        ? `port ${number} (${what}) is in use. Stop whatever holds it, or pick another port with the variable shown at the top of scripts/dev.mjs.`
        : `cannot listen on port ${number} (${what}): ${error.message}`,
    );
  }
}

await assertFree(ports.worker, "the Worker");
if (standIn) await assertFree(ports.github, "the GitHub stand-in");
await assertFree(ports.spotlight, "Spotlight");
await assertFree(ports.dashboard, "the dashboard");

console.log(
  standIn
    ? "Starting the Worker, a local GitHub stand-in and Spotlight (no GitHub OAuth app configured)…"
    : "Starting the Worker against real GitHub (GITHUB_CLIENT_ID is set) and Spotlight…",
);

const stack = createStack({
  ports,
  standIn,
  spotlight: true,
  dashboard: true,
  vars: config.forwarded,
  color,
  log: (source, line) => console.log(`[${source}] ${color ? line : stripAnsi(line)}`),
});
let shuttingDown = false;
async function shutdown(code, reason) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (reason) console.log(`\n${reason}; stopping everything npm run dev started…`);
  // Stopping waits for wrangler to exit, which it sometimes takes its time over; never forever.
  setTimeout(() => process.exit(code), 15_000).unref();
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => shutdown(130, "Interrupted"));
process.on("SIGTERM", () => shutdown(143, "Terminated"));
process.on("SIGHUP", () => shutdown(129, "Hung up"));
watchParent(() => shutdown(143, "The parent process (npm) is gone"));
stack.died.then((why) => shutdown(1, why));

let running;
try {
  running = await stack.start();
} catch (error) {
  if (!shuttingDown) {
    console.error(
      `\nnpm run dev: could not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    await shutdown(1);
  }
  await new Promise(() => {});
}

const { urls } = running;
const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
const signIn = standIn
  ? `local stand-in at ${urls.githubWeb} ("Local development sign-in": pick octocat, or type any login)`
  : `real GitHub, through your OAuth app (its callback URL must be ${urls.worker}/callback)`;
const telemetry = config.sentryDsn
  ? `${urls.spotlight} (Spotlight) and your Sentry project (SENTRY_DSN)`
  : `${urls.spotlight} (Spotlight: errors, traces and logs of every MCP call)`;
console.log(`
────────────────────────────────────────────────────────────────────────────────
 observable-mcp is running (ready in ${seconds}s)

   MCP, Streamable HTTP   ${urls.mcp}
   MCP, legacy SSE        ${urls.sse}
   Sign-in                ${signIn}
   Telemetry              ${telemetry}
   Dashboard              ${urls.dashboard} (live panels and alerts: calls, latency, errors, size, tokens)

 Connect a client (each runs the OAuth flow: our consent page, then sign-in):
   MCP Inspector          npx mcp-inspector --transport http --server-url ${urls.mcp}
   stdio-only clients     npx mcp-remote ${urls.mcp}
   Claude Desktop, Cursor, VS Code: see docs/local-development.md
${standIn ? `\n The stand-in's OAuth app is ${STAND_IN_CLIENT.id}; its users and repositories live in memory\n until you stop this command (create_issue, then get_issue, finds the new issue).\n` : ""}
 Ctrl-C stops the Worker${standIn ? ", the stand-in" : ""}, Spotlight and the dashboard.
────────────────────────────────────────────────────────────────────────────────`);
