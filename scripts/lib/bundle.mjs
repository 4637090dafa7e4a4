// Building the Worker the way a deploy does, injecting Sentry debug IDs, and saying what the bundle is made
// of. Shared by `npm run deploy` (scripts/deploy.mjs), `npm run bundle:report` and the symbolication test.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const SENTRY_CLI = join(ROOT, "node_modules", "@sentry", "cli", "bin", "sentry-cli");
const run = promisify(execFile);

/** Environment for wrangler: no telemetry, no colours, no prompts. */
function quietEnv(extra = {}) {
  return { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1", ...extra };
}

/**
 * `wrangler deploy --dry-run --outdir`: exactly the bundle a deploy uploads (wrangler.jsonc decides minify),
 * with its source map and, when asked, the esbuild metafile. Returns the paths and wrangler's own size line.
 */
export async function buildWorker(outdir, { metafile, args: extra = [] } = {}) {
  const args = [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, ...extra];
  if (metafile) args.push(`--metafile=${metafile}`);
  const { stdout, stderr } = await run(process.execPath, args, {
    cwd: ROOT,
    env: quietEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  const reported = /Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/.exec(stdout + stderr);
  return {
    outdir,
    script: join(outdir, "index.js"),
    map: join(outdir, "index.js.map"),
    metafile,
    wranglerGzipKiB: reported ? Number(reported[2]) : undefined,
  };
}

/**
 * Runs the sentry-cli binary that the @sentry/cli package installed (no download, no network unless the
 * command itself talks to Sentry). Resolves with its output; rejects with it on a non-zero exit.
 */
export async function sentryCli(args, { env = {} } = {}) {
  const { stdout, stderr } = await run(process.execPath, [SENTRY_CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, SENTRYCLI_SKIP_DOWNLOAD: "1", SENTRY_LOAD_DOTENV: "0", ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout + stderr;
}

/**
 * `sentry-cli sourcemaps inject`: puts a debug ID into the bundle (a `//# debugId=` comment and a snippet
 * that registers it in `globalThis._sentryDebugIds`) and the same ID into its source map, so Sentry can
 * pair a stack trace with its map without a release name. Returns the debug ID.
 */
export async function injectDebugIds(build) {
  await sentryCli(["sourcemaps", "inject", build.outdir]);
  const id = debugIdOf(readFileSync(build.script, "utf8"));
  if (!id) throw new Error(`sentry-cli sourcemaps inject left no debug ID in ${build.script}`);
  return id;
}

/** The Sentry settings `sentry-cli sourcemaps upload` needs, read from `env`; which are missing, if any. */
export function sentryUploadSettings(env) {
  const settings = {
    SENTRY_AUTH_TOKEN: env.SENTRY_AUTH_TOKEN ?? "",
    SENTRY_ORG: env.SENTRY_ORG ?? "",
    SENTRY_PROJECT: env.SENTRY_PROJECT ?? "",
    SENTRY_URL: env.SENTRY_URL ?? "",
  };
  const missing = ["SENTRY_ORG", "SENTRY_PROJECT"].filter((name) => !settings[name]);
  return { settings, missing };
}

/**
 * `sentry-cli sourcemaps upload`: the injected bundle and its map go to Sentry as an artifact bundle
 * keyed by debug ID. `settings` come from sentryUploadSettings (SENTRY_URL empty means sentry.io).
 */
export async function uploadSourceMaps(build, settings) {
  const env = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== ""));
  return sentryCli(["sourcemaps", "upload", build.outdir], { env });
}

/** The debug ID a bundle carries in its `//# debugId=` comment, if any. */
export function debugIdOf(code) {
  return /\/\/# debugId=([0-9a-f-]{36})\s*$/m.exec(code)?.[1];
}

/** The npm package (or `src/...` folder of this project) an esbuild input path belongs to. */
export function packageOf(path) {
  const at = path.lastIndexOf("node_modules/");
  if (at === -1) {
    const parts = path.split("/");
    return parts[0] === "src" && parts.length > 2 ? `src/${parts[1]}` : path;
  }
  const rest = path.slice(at + "node_modules/".length).split("/");
  return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? path);
}

/**
 * What the bundle is made of: the whole file's size raw and gzipped, and bytes in the output by package
 * (esbuild's metafile `bytesInOutput`, after minification when wrangler.jsonc minifies).
 */
export function bundleBreakdown(build) {
  const code = readFileSync(build.script);
  const total = { rawBytes: code.byteLength, gzipBytes: gzipSync(code).byteLength };
  const packages = new Map();
  const meta = JSON.parse(readFileSync(build.metafile, "utf8"));
  const output = Object.entries(meta.outputs).find(([path]) => path.endsWith("index.js"))?.[1];
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(path);
    packages.set(name, (packages.get(name) ?? 0) + input.bytesInOutput);
  }
  return {
    total,
    packages: [...packages]
      .map(([name, rawBytes]) => ({ name, rawBytes }))
      .sort((a, b) => b.rawBytes - a.rawBytes || a.name.localeCompare(b.name)),
  };
}

/**
 * What Miniflare needs from wrangler.jsonc to run the built Worker as deployed: compatibility date and
 * flags, Durable Objects (SQLite-backed where a migration says so), KV namespaces, version metadata, vars.
 * Shared by the benchmark and the Node tests that run the bundle.
 */
export async function workerRuntimeOptions() {
  const { experimental_readRawConfig } = await import("wrangler");
  const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, "wrangler.jsonc") });
  const sqlite = new Set((rawConfig.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  return {
    compatibilityDate: rawConfig.compatibility_date,
    compatibilityFlags: rawConfig.compatibility_flags ?? [],
    durableObjects: Object.fromEntries(
      (rawConfig.durable_objects?.bindings ?? []).map((b) => [
        b.name,
        { className: b.class_name, useSQLite: sqlite.has(b.class_name) },
      ]),
    ),
    kvNamespaces: (rawConfig.kv_namespaces ?? []).map((kv) => kv.binding),
    ...(rawConfig.version_metadata ? { versionMetadata: rawConfig.version_metadata.binding } : {}),
    vars: rawConfig.vars ?? {},
  };
}
