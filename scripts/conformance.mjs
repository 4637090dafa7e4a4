// `npm run conformance`: the official MCP conformance server suite (@modelcontextprotocol/conformance,
// its active suite at the current spec version) against the conformance profile of this server.
//
//   1. starts the GitHub stand-in (port 18790) and `wrangler dev` (port 18788) for the conformance
//      profile: wrangler.jsonc with conformance/worker.ts as the entry, i.e. the production Worker
//      front and McpAgent host with the suite's fixture catalog
//   2. signs in once through the real OAuth flow (consent page, the stand-in's GitHub, the token)
//   3. starts a loopback proxy (port 18789) that adds that bearer token to every /mcp request: the
//      suite's CLI cannot send an Authorization header, and the Worker must not accept anything less
//   4. runs the suite against the proxy, prints each scenario's outcome and `N passed, N failed`
//
// Exits non-zero when any scenario fails, with no expected-failures list. Stops everything it
// started. The stack's and the suite's output go to .conformance/ (results per scenario included).
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { startAuthProxy } from "./lib/auth-proxy.mjs";
import { freePort } from "./lib/http.mjs";
import { signIn } from "./lib/oauth.mjs";
import { startChild, watchParent } from "./lib/processes.mjs";
import { createStack, ROOT, stripAnsi } from "./lib/stack.mjs";

const PORTS = { worker: 18788, proxy: 18789, github: 18790 };
/** The spec revision the suite is run at: the current one, which includes every earlier scenario. */
const SPEC_VERSION = "2025-11-25";
const OUT = join(ROOT, ".conformance");
const RESULTS = join(OUT, "results");
const WATCHDOG_MS = 10 * 60_000;
const CLI = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

rmSync(OUT, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });
const stackLog = createWriteStream(join(OUT, "stack.log"));
const suiteLog = createWriteStream(join(OUT, "suite.log"));
const cleanups = [];
let finishing = false;

async function finish(code) {
  if (finishing) return;
  finishing = true;
  const hardStop = setTimeout(() => process.exit(code || 1), 20_000);
  hardStop.unref();
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  await Promise.all([stackLog, suiteLog].map((stream) => new Promise((resolve) => stream.end(resolve))));
  process.exit(code);
}

function fail(message) {
  console.error(`\nCONFORMANCE FAILED: ${message} (logs in .conformance/)`);
  return finish(1);
}

process.on("SIGINT", () => fail("interrupted"));
process.on("SIGTERM", () => fail("terminated"));
watchParent(() => fail("the parent process (npm) is gone"));
setTimeout(() => fail(`no result within ${WATCHDOG_MS / 60_000} minutes`), WATCHDOG_MS).unref();

/**
 * The profile's wrangler config, made from wrangler.jsonc so its flags, bindings, vars and bundle
 * aliases are always production's: only the name, the entry and the Durable Object class bound as
 * MCP_OBJECT differ.
 */
function writeProfileConfig() {
  const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, "wrangler.jsonc") });
  const { $schema: _schema, upload_source_maps: _sourceMaps, ...production } = rawConfig;
  const rename = (name) => (name === "ObservableMcp" ? "ConformanceMcp" : name);
  const profile = {
    ...production,
    name: `${production.name}-conformance`,
    main: join(ROOT, "conformance/worker.ts"),
    // The bundle's aliases are relative to wrangler.jsonc, and this file lives elsewhere.
    ...(production.alias
      ? {
          alias: Object.fromEntries(
            Object.entries(production.alias).map(([name, path]) => [
              name,
              path.startsWith(".") ? join(ROOT, path) : path,
            ]),
          ),
        }
      : {}),
    durable_objects: {
      bindings: production.durable_objects.bindings.map((binding) => ({
        ...binding,
        class_name: rename(binding.class_name),
      })),
    },
    migrations: production.migrations.map((migration) => ({
      ...migration,
      new_sqlite_classes: migration.new_sqlite_classes?.map(rename),
    })),
  };
  const path = join(OUT, "wrangler.json");
  writeFileSync(path, `${JSON.stringify(profile, null, 2)}\n`);
  return path;
}

/** Runs the suite's CLI; resolves with its exit code once it ends. Its output goes to suite.log. */
function runSuite(url) {
  const args = [CLI, "server", "--url", url, "--suite", "active", "--spec-version", SPEC_VERSION];
  let stdout = "";
  // The shared helper: its own process group, stopped whole (SIGTERM, then SIGKILL) on the way out.
  const suite = startChild("conformance", process.execPath, [...args, "--output-dir", RESULTS], {
    cwd: OUT,
    onLine: (line, stream) => {
      if (stream === "stdout") stdout += `${line}\n`;
      suiteLog.write(`${line}\n`);
    },
  });
  cleanups.push(() => suite.stop(1_000));
  return suite.exited.then(({ code }) => ({ code, stdout: stripAnsi(stdout) }));
}

/** The failed checks of each scenario, from the result files the CLI writes (one folder each). */
function failedChecks() {
  const byScenario = new Map();
  for (const folder of existsSync(RESULTS) ? readdirSync(RESULTS) : []) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(folder);
    const file = join(RESULTS, folder, "checks.json");
    if (!match || !existsSync(file)) continue;
    const checks = JSON.parse(readFileSync(file, "utf8"));
    byScenario.set(
      match[1],
      checks.filter((check) => check.status === "FAILURE"),
    );
  }
  return byScenario;
}

try {
  const ports = { worker: PORTS.worker, github: PORTS.github, inspector: await freePort() };
  const stack = createStack({
    ports,
    standIn: true,
    spotlight: false,
    isolated: true,
    wranglerConfig: writeProfileConfig(),
    log: (source, line) => stackLog.write(`[${source}] ${stripAnsi(line)}\n`),
  });
  cleanups.push(stack.stop);
  stack.died.then((why) => {
    if (!finishing) fail(`${why} during the run`);
  });
  process.stdout.write("Starting the conformance profile (wrangler dev) and the GitHub stand-in … ");
  const { urls } = await stack.start();
  console.log("ok");

  const { accessToken } = await signIn(urls.worker, { clientName: "mcp-conformance" });
  const proxy = await startAuthProxy({ port: PORTS.proxy, target: urls.worker, token: accessToken });
  cleanups.push(proxy.close);
  console.log(`Signed in; the auth proxy at ${proxy.url} forwards /mcp to ${urls.worker} with the token.`);

  console.log(`Running the conformance server suite (active, spec ${SPEC_VERSION}) …\n`);
  const { code, stdout } = await runSuite(`${proxy.url}/mcp`);

  // The CLI's own summary lines: "✓ name: 3 passed, 0 failed" (✗ when any check failed).
  const outcomes = [...stdout.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed$/gmu)].map((m) => ({
    name: m[2],
    passed: m[1] === "✓" && m[4] === "0",
  }));
  if (outcomes.length === 0) {
    await fail(`the suite printed no summary (exit code ${code}); see .conformance/suite.log`);
  }
  const failures = failedChecks();
  for (const outcome of outcomes) {
    console.log(`  ${outcome.passed ? "pass" : "FAIL"}  ${outcome.name}`);
    if (outcome.passed) continue;
    for (const check of failures.get(outcome.name) ?? []) {
      console.log(`          ${check.name}: ${check.errorMessage ?? check.description}`);
    }
  }
  const passed = outcomes.filter((outcome) => outcome.passed).length;
  const failed = outcomes.length - passed;
  console.log(`\n${passed} passed, ${failed} failed`);
  await finish(failed === 0 && code === 0 ? 0 : 1);
} catch (error) {
  await fail(error instanceof Error ? error.message : String(error));
}
