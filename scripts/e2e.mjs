// `npm run e2e`: real MCP clients, not written by us, against the local stack.
//
//   1. starts a Sentry envelope sink (test/doubles/sentry-sink.ts), then the stack of `npm run dev`
//      on free ports, with the GitHub stand-in and SENTRY_DSN pointing at the sink
//   2. signs in over HTTP (the OAuth flow a client and a browser do) and drives the MCP Inspector
//      CLI over /mcp and /sse: every tool, the resource template, a resource, the prompt; then the
//      same over stdio, starting bin/observable-mcp.mjs with a token minted by the stand-in
//   3. makes GitHub fail once and checks the reported error's Event ID reaches the sink
//   4. runs mcp-remote (the stdio bridge Claude Desktop users run) over /mcp and /sse: it registers,
//      opens our consent page and the stand-in's sign-in page in headless Chromium, gets a token,
//      and then answers tools/list and tools/call over stdio
//   5. checks the telemetry the clients caused: a `tools/call <tool>` span per call, carrying the
//      client's own name, on all three transports, and no access token anywhere in what was sent
//   6. opens the dashboard of `npm run dev` in headless Chromium, makes tool calls through an MCP
//      client, waits for them to appear on it, panels and alerts (scripts/dashboard), and runs the
//      privacy scan over the page
//
// Exits non-zero with the failed step named. Logs and screenshots go to .e2e/. With
// `--update-screenshots` the consent page and the dashboard are also saved to docs/images/.
// `--only dashboard` runs only what step 6 needs (the stack and a sign-in) and step 6.
// `--stdio-only` runs the stdio part of step 2 and its telemetry check alone: no Worker, no browser.
// E2E_PORT_BASE=N takes every port from N upwards (the first free ones) instead of any free port.
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium) or CHROMIUM_PATH.
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { chromium } from "playwright-core";
import { loadObservability } from "./dashboard/server.mjs";
import { importTypeScript, loadFakeGitHub, loadSentrySink } from "./lib/doubles.mjs";
import { freePort, isPortFree, serveFetch } from "./lib/http.mjs";
import { signIn } from "./lib/oauth.mjs";
import { runToEnd, watchParent } from "./lib/processes.mjs";
import { createStack, ROOT, stripAnsi } from "./lib/stack.mjs";

const OUT = join(ROOT, ".e2e");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const USAGE = "usage: npm run e2e [-- [--update-screenshots] [--only dashboard | --stdio-only]]";
const flags = (() => {
  try {
    const { values } = parseArgs({
      options: {
        "update-screenshots": { type: "boolean", default: false },
        only: { type: "string" },
        "stdio-only": { type: "boolean", default: false },
      },
    });
    if (values.only !== undefined && values.only !== "dashboard")
      throw new Error(`--only takes "dashboard", not "${values.only}"`);
    if (values.only !== undefined && values["stdio-only"])
      throw new Error("--only and --stdio-only exclude each other");
    return values;
  } catch (error) {
    console.error(`e2e: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
})();
const UPDATE_SCREENSHOTS = flags["update-screenshots"];
const ONLY_DASHBOARD = flags.only === "dashboard";
const STDIO_ONLY = flags["stdio-only"];
const PORT_BASE = process.env.E2E_PORT_BASE ? Number(process.env.E2E_PORT_BASE) : undefined;
if (PORT_BASE !== undefined && !(Number.isInteger(PORT_BASE) && PORT_BASE > 0 && PORT_BASE < 65000)) {
  console.error(`e2e: E2E_PORT_BASE must be a port number, not ${process.env.E2E_PORT_BASE}`);
  process.exit(2);
}
const TOOLS = ["whoami", "list_repositories", "search_issues", "get_issue", "create_issue"];
const REPO = { owner: "octocat", repo: "hello-world" };
const HOST_NAME = "e2e-stdio-host";
const INSPECTOR_NAME = "inspector-cli";
const WATCHDOG_MS = 10 * 60_000;

const started = Date.now();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), "observable-mcp-e2e-"));
const stackLog = createWriteStream(join(OUT, "stack.log"));
const clientLog = createWriteStream(join(OUT, "clients.log"));
const cleanups = [];

class StepError extends Error {}

/** Runs one named step, printing its outcome; a failure names the step and stops the run. */
async function step(name, fn) {
  const t = Date.now();
  process.stdout.write(`  ${name} … `);
  try {
    const result = await fn();
    console.log(`ok (${((Date.now() - t) / 1000).toFixed(1)}s)`);
    return result;
  } catch (error) {
    console.log("FAILED");
    const message = error instanceof Error ? error.message : String(error);
    throw new StepError(`${name}: ${message}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function binOf(pkg, name) {
  const dir = join(ROOT, "node_modules", pkg);
  const { bin } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return join(dir, typeof bin === "string" ? bin : bin[name]);
}

function versionOf(pkg) {
  return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
}

// ---- the stack --------------------------------------------------------------------------------

let nextPortFrom = PORT_BASE;
/** Any free port, or with E2E_PORT_BASE the next free one from there. */
async function allocatePort() {
  if (nextPortFrom === undefined) return freePort();
  while (!(await isPortFree(nextPortFrom))) nextPortFrom += 1;
  nextPortFrom += 1;
  return nextPortFrom - 1;
}

async function startSink() {
  const createSentrySink = await loadSentrySink();
  const port = await allocatePort();
  const origin = `http://127.0.0.1:${port}`;
  const sink = createSentrySink(origin);
  const served = await serveFetch((request) => sink.fetch(request), { port });
  cleanups.push(served.close);
  return { sink, dsn: `http://public@127.0.0.1:${port}/1` };
}

async function bootStack(dsn) {
  const ports = {
    worker: await allocatePort(),
    github: await allocatePort(),
    spotlight: await allocatePort(),
    dashboard: await allocatePort(),
    inspector: await allocatePort(),
  };
  const stack = createStack({
    ports,
    standIn: true,
    spotlight: true,
    dashboard: true,
    isolated: true,
    vars: { SENTRY_DSN: dsn },
    log: (source, line) => stackLog.write(`[${source}] ${stripAnsi(line)}\n`),
  });
  // Registered before start(): an interrupt or the watchdog during start-up must stop it too.
  cleanups.push(stack.stop);
  stack.died.then((why) => {
    if (!finishing) {
      console.error(`\nE2E FAILED: ${why} during the run (see .e2e/stack.log)`);
      finish(1);
    }
  });
  return stack.start();
}

// ---- MCP Inspector CLI ------------------------------------------------------------------------

const inspectorBin = binOf("@modelcontextprotocol/inspector", "mcp-inspector");
const inspectorHome = join(scratch, "inspector");
const inspectorEnv = {
  ...process.env,
  HOME: inspectorHome,
  MCP_STORAGE_DIR: join(inspectorHome, "storage"),
  MCP_CATALOG_PATH: join(inspectorHome, "mcp.json"),
  MCP_CLIENT_CONFIG_PATH: join(inspectorHome, "client.json"),
  MCP_INSPECTOR_SECRET_STORE: "memory",
  MCP_AUTO_OPEN_ENABLED: "false",
};

/** How the Inspector CLI reaches a server: over HTTP with the bearer token, or by starting it on stdio. */
function overHttp(transport, url, token) {
  return {
    label: transport === "http" ? "/mcp" : "/sse",
    transport: transport === "http" ? "streamable-http" : "sse",
    before: [
      "--transport",
      transport,
      "--server-url",
      url,
      "--header",
      `Authorization: Bearer ${token}`,
      // Never start an interactive OAuth flow: the bearer header is the whole authentication here.
      "--stored-auth-only",
    ],
    after: [],
  };
}

/** The stdio server (bin/observable-mcp.mjs) as a client starts it: a command with its environment. */
function overStdio(env) {
  return {
    label: "stdio",
    transport: "stdio",
    before: [
      "--transport",
      "stdio",
      ...Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]),
    ],
    // After `--`: a variadic option before it (--prompt-args) would take the command for its values.
    after: ["--", process.execPath, join(ROOT, "bin", "observable-mcp.mjs")],
  };
}

/**
 * The stdio server against the run's GitHub stand-in, with a personal access token minted there for
 * octocat, and its telemetry to the sink. Returns the Inspector's way to start it and the token.
 */
async function stdioServer(githubApi, dsn) {
  const minted = await fetch(`${githubApi}/__fake/token`, {
    method: "POST",
    body: JSON.stringify({ login: "octocat" }),
  });
  check(minted.ok, `the stand-in minted no token: HTTP ${minted.status}`);
  const { token } = await minted.json();
  const server = overStdio({
    GITHUB_TOKEN: token,
    GITHUB_API_URL: githubApi,
    ENVIRONMENT: "test",
    SENTRY_DSN: dsn,
  });
  return { ...server, token };
}

/** One Inspector CLI invocation; returns its JSON `result` (tool errors included) or throws. */
async function inspector(server, args) {
  const argv = [inspectorBin, "--cli", ...server.before, "--format", "json", ...args, ...server.after];
  const { stdout, stderr, code, timedOut } = await runToEnd(process.execPath, argv, {
    env: inspectorEnv,
    timeoutMs: 60_000,
  });
  clientLog.write(`$ inspector ${server.label} ${args.join(" ")}\n${stdout}\n${stderr}\n`);
  let parsed;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    const why = timedOut ? "timed out" : `exit ${code}`;
    throw new Error(
      `Inspector CLI (${why}) printed no JSON result: ${(stderr || stdout).trim().slice(0, 400)}`,
    );
  }
  if (!parsed.result) {
    throw new Error(`Inspector CLI error: ${JSON.stringify(parsed.error ?? parsed).slice(0, 400)}`);
  }
  return parsed.result;
}

const textOf = (result) => (result.content ?? []).map((part) => part.text ?? "").join("\n");

async function callTool(server, name, args) {
  const result = await inspector(server, [
    "--method",
    "tools/call",
    "--tool-name",
    name,
    "--tool-args-json",
    JSON.stringify(args),
  ]);
  return { isError: result.isError === true, text: textOf(result) };
}

async function expectTool(server, name, args, expected) {
  const { isError, text } = await callTool(server, name, args);
  check(!isError, `${name} returned an error: ${text.slice(0, 300)}`);
  check(
    expected.test(text),
    `${name} answered something unexpected (wanted ${expected}): ${text.slice(0, 300)}`,
  );
  return text;
}

async function inspectorRun(server) {
  const { label } = server;
  // A fork's own tools may be listed too; these are the ones this run calls.
  await step(`Inspector CLI ${label}: tools/list has the ${TOOLS.length} tools`, async () => {
    const result = await inspector(server, ["--method", "tools/list"]);
    const names = (result.tools ?? []).map((tool) => tool.name).sort();
    check(
      TOOLS.every((tool) => names.includes(tool)),
      `tools/list returned ${names.join(", ")}`,
    );
  });
  await step(`Inspector CLI ${label}: tools/call every tool`, async () => {
    await expectTool(server, "whoami", {}, /octocat/);
    await expectTool(server, "list_repositories", {}, /octocat\/hello-world/);
    await expectTool(
      server,
      "search_issues",
      { query: "repo:octocat/hello-world is:open" },
      /octocat\/hello-world#\d+/,
    );
    const title = `e2e over ${label} at ${new Date().toISOString()}`;
    const created = await expectTool(server, "create_issue", { ...REPO, title }, /#\d+/);
    const number = Number(/#(\d+)/.exec(created)?.[1]);
    // The stand-in keeps state while it runs: the issue just created must be readable.
    await expectTool(server, "get_issue", { ...REPO, number }, new RegExp(escapeRegExp(title)));
  });
  await step(`Inspector CLI ${label}: resource template, resource and prompt`, async () => {
    const templates = await inspector(server, ["--method", "resources/templates/list"]);
    const uris = (templates.resourceTemplates ?? []).map((template) => template.uriTemplate);
    check(uris.includes("github://repos/{owner}/{repo}/readme"), `resource templates: ${uris.join(", ")}`);
    const readme = await inspector(server, [
      "--method",
      "resources/read",
      "--uri",
      "github://repos/octocat/hello-world/readme",
    ]);
    const text = (readme.contents ?? []).map((content) => content.text ?? "").join("\n");
    check(/^# Hello World/m.test(text), `README read as: ${text.slice(0, 200)}`);
    const prompt = await inspector(server, [
      "--method",
      "prompts/get",
      "--prompt-name",
      "triage_issue",
      "--prompt-args",
      "owner=octocat",
      "repo=hello-world",
      "number=1",
    ]);
    const message = (prompt.messages ?? []).map((m) => m.content?.text ?? "").join("\n");
    check(message.includes("octocat/hello-world#1"), `prompt text: ${message.slice(0, 200)}`);
  });
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ---- mcp-remote, with the browser part in headless Chromium -----------------------------------

const mcpRemoteBin = binOf("mcp-remote", "mcp-remote");
const mcpRemoteName = `${HOST_NAME} (via mcp-remote ${versionOf("mcp-remote")})`;

async function launchBrowser(name) {
  check(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  const profile = mkdtempSync(join(scratch, `chromium-${name.replace(/\W+/g, "")}-`));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 960, height: 600 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

async function mcpRemoteRun(label, serverUrl, extraArgs, urls, { screenshot }) {
  const home = mkdtempSync(join(scratch, "mcp-remote-"));
  const opened = join(home, "opened-url.txt");
  // mcp-remote opens the sign-in URL with xdg-open, which hands it to $BROWSER when there is no
  // desktop: this one just writes it down for the headless browser below.
  const browserScript = join(home, "browser.sh");
  writeFileSync(browserScript, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`);
  chmodSync(browserScript, 0o755);
  const callbackPort = await allocatePort();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mcpRemoteBin, serverUrl, String(callbackPort), "--auth-timeout", "60", ...extraArgs],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      MCP_REMOTE_CONFIG_DIR: join(home, "auth"),
      BROWSER: browserScript,
    },
    stderr: "pipe",
  });
  let stderr = "";
  let closed = false;
  // Set before connect(): the client chains its own handler after this one.
  transport.onclose = () => {
    closed = true;
  };
  transport.stderr?.on("data", (chunk) => {
    stderr += chunk;
    clientLog.write(`[mcp-remote ${label}] ${chunk}`);
  });
  const client = new Client({ name: HOST_NAME, version: "1.0.0" });
  const connected = client.connect(transport, { timeout: 90_000 });
  // If the browser part fails, the handshake is abandoned: keep its rejection from going unhandled.
  connected.catch(() => {});
  cleanups.push(() => client.close().catch(() => {}));

  const authorizeUrl = await step(
    `mcp-remote ${label}: registers and asks for a browser sign-in`,
    async () => {
      for (let i = 0; i < 150; i += 1) {
        const url =
          (existsSync(opened) && readFileSync(opened, "utf8").trim().split("\n")[0]) ||
          /Please authorize this client by visiting:\s*(\S+)/.exec(stderr)?.[1];
        if (url) {
          check(url.startsWith(`${urls.worker}/authorize?`), `it opened ${url}, not our /authorize`);
          return url;
        }
        check(!closed, `mcp-remote exited before asking for a sign-in: ${stderr.slice(-400)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`no authorization URL within 30s; mcp-remote said: ${stderr.slice(-400)}`);
    },
  );

  const browser = await step("headless Chromium starts", () => launchBrowser(label));
  cleanups.push(() => browser.close().catch(() => {}));
  const page = browser.pages()[0] ?? (await browser.newPage());
  try {
    await step(`mcp-remote ${label}: our consent page, Allow`, async () => {
      const response = await page.goto(authorizeUrl, { timeout: 30_000 });
      check(response?.status() === 200, `consent page answered HTTP ${response?.status()}`);
      const heading = await page.locator("h1").first().textContent({ timeout: 10_000 });
      check(/^Allow .+ to use GitHub as you\?$/.test(heading ?? ""), `consent page heading: ${heading}`);
      if (screenshot) {
        // Narrow enough to keep the PNG small, wide enough for the page's 36rem column.
        await page.setViewportSize({ width: 640, height: 520 });
        await page.screenshot({ path: join(OUT, "consent-page.png") });
        if (UPDATE_SCREENSHOTS) {
          mkdirSync(join(ROOT, "docs/images"), { recursive: true });
          await page.screenshot({ path: join(ROOT, "docs/images/consent-page.png") });
        }
        await page.setViewportSize({ width: 960, height: 600 });
      }
      // As a person would: the button labelled Allow, whatever the form sends.
      await clickAndLand(
        page,
        page.getByRole("button", { name: /^Allow/ }),
        (url) => url.origin === urls.githubWeb,
        "the GitHub sign-in",
      );
    });
    await step(`mcp-remote ${label}: stand-in sign-in page, pick octocat`, async () => {
      const banner = await page.locator(".banner").first().textContent({ timeout: 10_000 });
      check(/Local development sign-in/.test(banner ?? ""), `sign-in page banner: ${banner}`);
      if (screenshot) await page.screenshot({ path: join(OUT, "sign-in-page.png") });
      await clickAndLand(
        page,
        page.getByRole("button", { name: /@octocat\b/ }),
        (url) => url.port === String(callbackPort) && url.pathname === "/oauth/callback",
        "mcp-remote's callback",
      );
      const body = await page.locator("body").textContent({ timeout: 10_000 });
      check(
        /Authorization successful/.test(body ?? ""),
        `mcp-remote's callback page says: ${body?.trim().slice(0, 200)}`,
      );
    });
  } catch (error) {
    await page.screenshot({ path: join(OUT, `failure-${label.replace(/\W+/g, "")}.png`) }).catch(() => {});
    throw error;
  } finally {
    await browser.close().catch(() => {});
  }

  await step(`mcp-remote ${label}: tools/list and tools/call over stdio`, async () => {
    await connected;
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name).sort();
    check(
      TOOLS.every((tool) => names.includes(tool)),
      `tools/list returned ${names.join(", ")}`,
    );
    for (const [name, args, expected] of [
      ["whoami", {}, /octocat/],
      ["list_repositories", { owner: "octo-org" }, /octo-org\//],
      ["get_issue", { ...REPO, number: 1 }, /hello-world#1/],
    ]) {
      const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 30_000 });
      const text = textOf(result);
      check(!result.isError, `${name} returned an error: ${text.slice(0, 300)}`);
      check(expected.test(text), `${name} answered: ${text.slice(0, 300)}`);
    }
  });
  await client.close();
  return storedTokens(join(home, "auth"));
}

/** access_token and refresh_token values from the JSON files mcp-remote keeps under `dir`. */
function storedTokens(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { recursive: true })) {
    if (!String(entry).endsWith(".json")) continue;
    try {
      const data = JSON.parse(readFileSync(join(dir, String(entry)), "utf8"));
      for (const key of ["access_token", "refresh_token"]) {
        if (typeof data?.[key] === "string" && data[key].length >= 16) found.push(data[key]);
      }
    } catch {
      // not JSON we care about
    }
  }
  return found;
}

/** Clicks, waits for the browser to settle on another page, and says where it went if not `expected`. */
async function clickAndLand(page, target, expected, wanted) {
  const before = page.url();
  await Promise.all([
    page.waitForURL((url) => url.href !== before, { timeout: 30_000 }).catch(() => {}),
    target.click({ timeout: 10_000 }),
  ]);
  await page.waitForLoadState("load", { timeout: 10_000 }).catch(() => {});
  const landed = new URL(page.url());
  if (expected(landed)) return;
  const error = landed.searchParams.get("error");
  const text = (
    (await page
      .locator("body")
      .textContent({ timeout: 5_000 })
      .catch(() => "")) ?? ""
  )
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
  throw new Error(
    `expected ${wanted}, but the browser is at ${landed.origin}${landed.pathname}${error ? ` (error=${error})` : ""}: "${text}"`,
  );
}

// ---- the dashboard ----------------------------------------------------------------------------

const DASHBOARD_CLIENT = "e2e-dashboard";

/** An MCP client of our own (the SDK's, over Streamable HTTP with the bearer token). */
async function connectSdkClient(url, token) {
  const client = new Client({ name: DASHBOARD_CLIENT, version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  cleanups.push(() => client.close().catch(() => {}));
  return client;
}

/**
 * Traffic with something for every panel: successes, a validation error, a GitHub 404, results over
 * the 10 KB alert line, a resource read twice. Returns how many whoami calls it made.
 */
async function dashboardTraffic(client, urls) {
  let whoamiCalls = 0;
  const call = async (name, args, wantError = false) => {
    if (name === "whoami") whoamiCalls += 1;
    const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 30_000 });
    check(
      (result.isError === true) === wantError,
      `${name} ${wantError ? "succeeded, but should have failed" : `failed: ${textOf(result).slice(0, 300)}`}`,
    );
  };
  const generate = (bytes) =>
    fetch(`${urls.githubApi}/__fake/generated`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ repo: `${REPO.owner}/${REPO.repo}`, issue: 1, bytes }),
    }).then((response) =>
      check(response.ok, `the stand-in refused __fake/generated: HTTP ${response.status}`),
    );
  await call("list_repositories", {});
  await call("list_repositories", { owner: "octo-org" });
  await call("search_issues", { query: "repo:octocat/hello-world is:open" });
  await call("get_issue", { ...REPO, number: 1 });
  await call("get_issue", { ...REPO, number: "one" }, true);
  await call("get_issue", { ...REPO, number: 99_999 }, true);
  await generate(24 * 1024);
  try {
    for (let i = 0; i < 3; i += 1) await call("get_issue", { ...REPO, number: 1 });
  } finally {
    await generate(null);
  }
  for (let i = 0; i < 2; i += 1)
    await client.readResource({ uri: `github://repos/${REPO.owner}/${REPO.repo}/readme` });
  // Last, so that the page counting it means the calls before it have reached the page too.
  await call("whoami", {});
  return whoamiCalls;
}

async function dashboardRun(urls, token, tokens) {
  const { PANELS, ALERTS } = await loadObservability();
  // The panel a person looks at first: calls per tool. Found by what it measures, not by its id.
  const rereadPanel = PANELS.find((panel) => panel.groupBy.includes("mcp.resource.template"));
  check(rereadPanel, "no panel groups by mcp.resource.template (the re-read rate)");
  const callsPanel = PANELS.find(
    (panel) =>
      panel.measure.kind === "single" &&
      panel.measure.query.aggregate.fn === "count" &&
      panel.groupBy.length === 1 &&
      panel.groupBy[0] === "gen_ai.tool.name",
  );
  check(callsPanel, "no panel counts calls per gen_ai.tool.name in src/observability/definitions.ts");
  const errorAlert = ALERTS.find(
    (alert) =>
      alert.measure.kind === "ratio" &&
      alert.measure.numerator.aggregate.fn === "count_if" &&
      alert.measure.numerator.aggregate.field === "mcp.outcome" &&
      alert.measure.numerator.aggregate.value === "tool_error" &&
      alert.groupBy.length === 1 &&
      alert.groupBy[0] === "gen_ai.tool.name",
  );
  check(
    errorAlert,
    "no alert on the tool_error rate per gen_ai.tool.name in src/observability/definitions.ts",
  );
  const browser = await step("headless Chromium starts", () => launchBrowser("dashboard"));
  cleanups.push(() => browser.close().catch(() => {}));
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.setViewportSize({ width: 1280, height: 900 });
  const whoami = page.locator(`[data-panel="${callsPanel.id}"] [data-group="whoami"]`);
  try {
    const before = await step("dashboard: every panel and alert, live from Spotlight", async () => {
      const response = await page.goto(urls.dashboard, { timeout: 30_000 });
      check(response?.status() === 200, `the dashboard answered HTTP ${response?.status()}`);
      // The page's script has taken over once the server's first push has replaced the first render.
      await page.locator(".status .dot.on").waitFor({ timeout: 15_000 });
      const panels = await page
        .locator("[data-panel]")
        .evaluateAll((nodes) => nodes.map((n) => n.dataset.panel));
      const missing = PANELS.map((panel) => panel.id).filter((id) => !panels.includes(id));
      check(missing.length === 0, `panels missing from the page: ${missing.join(", ")}`);
      const alerts = await page
        .locator("[data-alert]")
        .evaluateAll((nodes) => nodes.map((n) => n.dataset.alert));
      const silent = ALERTS.map((alert) => alert.id).filter((id) => !alerts.includes(id));
      check(silent.length === 0, `alerts missing from the page: ${silent.join(", ")}`);
      // Earlier steps' calls are counted already in a whole run; none are with --only dashboard.
      return (await whoami.count()) === 0 ? 0 : Number(await whoami.first().getAttribute("data-value"));
    });
    await step(`dashboard: an MCP client's tool calls appear on it (whoami: ${before} so far)`, async () => {
      const client = await connectSdkClient(urls.mcp, token);
      const calls = await dashboardTraffic(client, urls);
      await client.close();
      // No sleeps: the page changes when the Worker's envelopes have gone through Spotlight to it. At
      // least: in a whole run, earlier steps' last envelopes may still be on their way.
      const want = before + calls;
      await page
        .waitForFunction(
          ({ panel, want }) => {
            const node = document.querySelector(`[data-panel="${CSS.escape(panel)}"] [data-group="whoami"]`);
            return node !== null && Number(node.getAttribute("data-value")) >= want;
          },
          { panel: callsPanel.id, want },
          { timeout: 30_000 },
        )
        .catch(async () => {
          const seen = (await whoami.count()) > 0 ? await whoami.first().getAttribute("data-value") : "none";
          throw new Error(`the page never counted ${want} whoami calls (it shows ${seen})`);
        });
      // The two README reads: the second is a re-read, so the re-read panel has its template.
      await page
        .locator(`[data-panel="${rereadPanel.id}"] [data-group]`)
        .first()
        .waitFor({ timeout: 30_000 })
        .catch(() => {
          throw new Error(`the panel "${rereadPanel.title}" never showed the README reads`);
        });
      // One get_issue call in six failed with a GitHub 404 (tool_error): over the 5% line.
      await page
        .locator(`[data-alert="${errorAlert.id}"] [data-group="get_issue"][data-state="firing"]`)
        .waitFor({ timeout: 30_000 })
        .catch(() => {
          throw new Error(`the alert "${errorAlert.name}" is not firing for get_issue on the page`);
        });
      await page.screenshot({ path: join(OUT, "dashboard.png"), fullPage: true });
      if (UPDATE_SCREENSHOTS) {
        mkdirSync(join(ROOT, "docs/images"), { recursive: true });
        await page.screenshot({ path: join(ROOT, "docs/images/dashboard.png"), fullPage: true });
      }
    });
    await step("dashboard: the privacy scan finds nothing on the page", async () => {
      // The workerd suite's scan of every envelope (test/helpers/secrets.ts), applied to this output too.
      const { FORBIDDEN_PATTERNS, PRIVATE_SEED_VALUES, decodedViews, needlesOf } =
        await importTypeScript("test/helpers/secrets.ts");
      const views = decodedViews(await page.content());
      const leaks = [];
      for (const view of views) {
        for (const [what, pattern] of FORBIDDEN_PATTERNS) {
          const match = pattern.exec(view);
          if (match) leaks.push(`${what}: ${match[0].slice(0, 40)}`);
        }
      }
      const found = (value) => views.some((view) => needlesOf(value).some((needle) => view.includes(needle)));
      if (tokens.some(found)) leaks.push("a client's OAuth token");
      for (const value of PRIVATE_SEED_VALUES)
        if (found(value)) leaks.push(`the fake GitHub's private data (${value.slice(0, 24)}…)`);
      check(leaks.length === 0, `the dashboard shows: ${[...new Set(leaks)].join("; ")}`);
    });
  } catch (error) {
    await page.screenshot({ path: join(OUT, "failure-dashboard.png"), fullPage: true }).catch(() => {});
    throw error;
  } finally {
    await browser.close().catch(() => {});
  }
}

// ---- telemetry --------------------------------------------------------------------------------

/** Spans from span-streaming items and from transactions, as { name, attributes: {key: value} }. */
function spansIn(envelopes) {
  const spans = [];
  for (const envelope of envelopes) {
    for (const item of envelope.items) {
      if (item.type === "span") {
        for (const span of item.payload?.items ?? []) {
          const attributes = {};
          for (const [key, value] of Object.entries(span.attributes ?? {})) attributes[key] = value?.value;
          spans.push({ name: span.name, attributes });
        }
      } else if (item.type === "transaction") {
        spans.push({
          name: item.payload?.transaction,
          attributes: { ...(item.payload?.contexts?.trace?.data ?? {}) },
        });
      }
    }
  }
  return spans;
}

async function waitForTelemetry(sink, expectations, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let missing = expectations;
  while (Date.now() < deadline) {
    const envelopes = sink.envelopes();
    const spans = spansIn(envelopes);
    missing = expectations.filter((expectation) => !expectation.found(envelopes, spans));
    if (missing.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const names = [
    ...new Set(
      spansIn(sink.envelopes()).map(
        (span) =>
          `${span.name} [${span.attributes["mcp.client.name"] ?? "-"}, ${span.attributes["mcp.transport"] ?? "-"}]`,
      ),
    ),
  ];
  throw new Error(
    `missing after ${timeoutMs / 1000}s:\n      - ${missing.map((m) => m.what).join("\n      - ")}\n    the sink holds ${sink.envelopes().length} envelopes; tool spans seen:\n      ${names.filter((n) => n.startsWith("tools/")).join("\n      ") || "(none)"}`,
  );
}

function toolSpan(tool, client, transport) {
  return {
    what: `span "tools/call ${tool}" with mcp.client.name "${client}" over ${transport}`,
    found: (_envelopes, spans) =>
      spans.some(
        (span) =>
          span.name === `tools/call ${tool}` &&
          span.attributes["mcp.client.name"] === client &&
          span.attributes["mcp.transport"] === transport,
      ),
  };
}

/** Steps 2 to 5: the Inspector CLI, the reported failure, mcp-remote, and the telemetry they caused. */
async function clientsRun(urls, token, tokens, sink, dsn) {
  await inspectorRun(overHttp("http", urls.mcp, token));
  await inspectorRun(overHttp("sse", urls.sse, token));
  const stdio = await stdioServer(urls.githubApi, dsn);
  tokens.push(stdio.token);
  await inspectorRun(stdio);

  const eventId = await step("a GitHub failure is reported with an Event ID", async () => {
    const fault = await fetch(`${urls.githubApi}/__fake/fault`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "status", status: 503, path: "/user", times: 1 }),
    });
    check(fault.ok, `the stand-in refused the fault: HTTP ${fault.status}`);
    const { isError, text } = await callTool(overHttp("http", urls.mcp, token), "whoami", {});
    check(isError, `whoami succeeded although GitHub answered 503: ${text.slice(0, 200)}`);
    const id = /Event ID: ([0-9a-f]{32})/.exec(text)?.[1];
    check(id, `the error reply quotes no Event ID: ${text.slice(0, 300)}`);
    return id;
  });

  tokens.push(...(await mcpRemoteRun("/mcp", urls.mcp, [], urls, { screenshot: true })));
  tokens.push(
    ...(await mcpRemoteRun("/sse", urls.sse, ["--transport", "sse-only"], urls, { screenshot: false })),
  );

  await step("telemetry reached the sink: spans per client and transport, the error event", () =>
    waitForTelemetry(sink, [
      ...["streamable-http", "sse", "stdio"].flatMap((transport) =>
        TOOLS.map((tool) => toolSpan(tool, INSPECTOR_NAME, transport)),
      ),
      toolSpan("whoami", mcpRemoteName, "streamable-http"),
      toolSpan("get_issue", mcpRemoteName, "sse"),
      {
        what: `error event ${eventId} (quoted by the failed whoami)`,
        found: (envelopes) =>
          envelopes.some((envelope) =>
            envelope.items.some((item) => item.type === "event" && item.payload?.event_id === eventId),
          ),
      },
    ]),
  );
  await step(`no credential in any envelope (${tokens.length} client tokens, any GitHub token)`, () => {
    const leaked = sink
      .envelopes()
      .filter(
        (envelope) =>
          tokens.some((value) => envelope.raw.includes(value)) || /gho_[A-Za-z0-9]{20,}/.test(envelope.raw),
      );
    check(leaked.length === 0, `${leaked.length} envelopes contain an OAuth token`);
  });
}

// ---- the run ----------------------------------------------------------------------------------

let exitCode = 0;
const watchdog = setTimeout(() => {
  console.error(`\nE2E FAILED: the whole run took longer than ${WATCHDOG_MS / 60_000} minutes`);
  finish(1);
}, WATCHDOG_MS);

let finishing = false;
async function finish(code) {
  if (finishing) return;
  finishing = true;
  clearTimeout(watchdog);
  const hardStop = setTimeout(() => process.exit(code || 1), 20_000);
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
  await new Promise((resolve) => stackLog.end(resolve));
  await new Promise((resolve) => clientLog.end(resolve));
  clearTimeout(hardStop);
  process.exit(code);
}
process.on("SIGINT", () => {
  console.error("\nE2E interrupted");
  finish(130);
});
process.on("SIGTERM", () => {
  console.error("\nE2E terminated");
  finish(143);
});
watchParent(() => {
  console.error("\nE2E: the parent process (npm) is gone; stopping");
  finish(143);
});

/**
 * `npm run e2e -- --stdio-only`: the Inspector CLI over stdio alone, with the fake GitHub and the sink
 * served here (no Worker, no browser), on ports the OS picks.
 */
async function stdioOnly() {
  const { sink, dsn } = await step("envelope sink for SENTRY_DSN", startSink);
  const githubApi = await step("fake GitHub", async () => {
    const createFakeGitHub = await loadFakeGitHub();
    let fake;
    const served = await serveFetch((request) => fake.fetch(request));
    cleanups.push(served.close);
    fake = createFakeGitHub({
      webOrigin: served.url,
      apiBase: `${served.url}/api/v3`,
      clientId: "e2e",
      clientSecret: "e2e-secret",
    });
    return `${served.url}/api/v3`;
  });
  const server = await stdioServer(githubApi, dsn);
  await inspectorRun(server);
  await step("telemetry reached the sink: a span per tool over stdio", () =>
    waitForTelemetry(
      sink,
      TOOLS.map((tool) => toolSpan(tool, INSPECTOR_NAME, "stdio")),
    ),
  );
  await step("no credential in any envelope (the personal access token)", () => {
    const leaked = sink.envelopes().filter((envelope) => envelope.raw.includes(server.token));
    check(leaked.length === 0, `${leaked.length} envelopes contain the token`);
  });
  console.log(`\nE2E (stdio only) passed in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
}

try {
  if (STDIO_ONLY) {
    await stdioOnly();
    await finish(0);
  }
  console.log(`E2E: real MCP clients against the local stack (logs in ${OUT})`);
  const { sink, dsn } = await step("envelope sink for SENTRY_DSN", startSink);
  const { urls } = await step("stack: wrangler dev + GitHub stand-in + Spotlight + dashboard", () =>
    bootStack(dsn),
  );
  const tokens = [];

  const token = await step(
    "OAuth over HTTP: register, consent, stand-in sign-in, callback, token",
    async () => {
      const { accessToken } = await signIn(urls.worker, { clientName: "observable-mcp e2e (Inspector)" });
      tokens.push(accessToken);
      return accessToken;
    },
  );
  if (!ONLY_DASHBOARD) await clientsRun(urls, token, tokens, sink, dsn);
  await dashboardRun(urls, token, tokens);

  console.log(
    `\nE2E${ONLY_DASHBOARD ? " (--only dashboard)" : ""} passed in ${((Date.now() - started) / 1000).toFixed(1)}s.`,
  );
} catch (error) {
  exitCode = 1;
  // Interrupted, or the stack died: that was reported already, and this step failing is its echo.
  if (finishing) await new Promise(() => {});
  const message =
    error instanceof StepError ? error.message : error instanceof Error ? error.stack : String(error);
  console.error(
    `\nE2E FAILED: ${message}\n  Logs: .e2e/stack.log (Worker, Spotlight), .e2e/clients.log (Inspector, mcp-remote)`,
  );
}
await finish(exitCode);
