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
//
// `--stdio-only` runs the stdio part of step 2 and its telemetry check alone: no Worker, no browser.
//
// Exits non-zero with the failed step named. Logs and screenshots go to .e2e/. With
// `--update-screenshots` the consent page is also saved to docs/images/consent-page.png.
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium) or CHROMIUM_PATH.
import { execFile } from "node:child_process";
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
import { chromium } from "playwright-core";
import { loadFakeGitHub, loadSentrySink } from "./lib/doubles.mjs";
import { freePort, serveFetch } from "./lib/http.mjs";
import { signIn } from "./lib/oauth.mjs";
import { watchParent } from "./lib/processes.mjs";
import { createStack, ROOT, stripAnsi } from "./lib/stack.mjs";

const OUT = join(ROOT, ".e2e");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const flags = (() => {
  try {
    return parseArgs({
      options: {
        "update-screenshots": { type: "boolean", default: false },
        "stdio-only": { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`e2e: ${error.message}\nusage: npm run e2e [-- --update-screenshots | --stdio-only]`);
    process.exit(2);
  }
})();
const UPDATE_SCREENSHOTS = flags["update-screenshots"];
const STDIO_ONLY = flags["stdio-only"];
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

async function startSink() {
  const createSentrySink = await loadSentrySink();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const sink = createSentrySink(origin);
  const served = await serveFetch((request) => sink.fetch(request), { port });
  cleanups.push(served.close);
  return { sink, dsn: `http://public@127.0.0.1:${port}/1` };
}

async function bootStack(dsn) {
  const ports = {
    worker: await freePort(),
    github: await freePort(),
    spotlight: await freePort(),
    inspector: await freePort(),
  };
  const stack = createStack({
    ports,
    standIn: true,
    spotlight: true,
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
function inspector(server, args) {
  const argv = [inspectorBin, "--cli", ...server.before, "--format", "json", ...args, ...server.after];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { env: inspectorEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      clientLog.write(`$ inspector ${server.label} ${args.join(" ")}\n${stdout}\n${stderr}\n`);
      let parsed;
      try {
        parsed = JSON.parse(stdout);
      } catch {
        const why = error?.killed ? "timed out" : `exit ${error?.code ?? 0}`;
        reject(
          new Error(
            `Inspector CLI (${why}) printed no JSON result: ${(stderr || stdout).trim().slice(0, 400)}`,
          ),
        );
        return;
      }
      if (!parsed.result) {
        reject(new Error(`Inspector CLI error: ${JSON.stringify(parsed.error ?? parsed).slice(0, 400)}`));
        return;
      }
      resolve(parsed.result);
    });
  });
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
  const callbackPort = await freePort();
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
  const { urls } = await step("stack: wrangler dev + GitHub stand-in + Spotlight", () => bootStack(dsn));
  const tokens = [];

  const token = await step(
    "OAuth over HTTP: register, consent, stand-in sign-in, callback, token",
    async () => {
      const { accessToken } = await signIn(urls.worker, { clientName: "observable-mcp e2e (Inspector)" });
      tokens.push(accessToken);
      return accessToken;
    },
  );
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

  console.log(`\nE2E passed in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
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
