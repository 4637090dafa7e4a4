#!/usr/bin/env node
/**
 * `npm run deploy`: build the Worker, give it a Sentry debug ID, upload its source maps to Sentry, and
 * deploy exactly that build.
 *
 *   1. `wrangler deploy --dry-run --outdir dist`: the minified bundle and its source map.
 *   2. `sentry-cli sourcemaps inject dist`: the same debug ID into the bundle and the map.
 *   3. `sentry-cli sourcemaps upload dist` when SENTRY_AUTH_TOKEN is set (SENTRY_ORG and SENTRY_PROJECT
 *      then required, SENTRY_URL for a self-hosted Sentry); without a token one line says the maps were
 *      not uploaded, and the deploy goes on.
 *   4. `wrangler deploy --no-bundle dist/index.js`: the injected file, byte for byte, with its source map.
 *
 * Arguments after `--` go to both wrangler commands (e.g. `npm run deploy -- --env staging`).
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildWorker, injectDebugIds, ROOT, sentryUploadSettings, uploadSourceMaps } from "./lib/bundle.mjs";

const extra = process.argv.slice(2);
const outdir = join(ROOT, "dist");

function fail(message) {
  console.error(`deploy: ${message}`);
  process.exit(1);
}

const { settings, missing } = sentryUploadSettings(process.env);
if (settings.SENTRY_AUTH_TOKEN && missing.length) {
  fail(
    `SENTRY_AUTH_TOKEN is set but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: ` +
      "set them all to upload source maps, or unset SENTRY_AUTH_TOKEN to deploy without them. Nothing was deployed.",
  );
}

rmSync(outdir, { recursive: true, force: true });
console.log("deploy: building (wrangler deploy --dry-run --outdir dist)");
const build = await buildWorker(outdir, { args: extra }).catch((error) =>
  fail(`the build failed:\n${error.stderr ?? error.message}`),
);
const debugId = await injectDebugIds(build).catch((error) =>
  fail(`sentry-cli sourcemaps inject failed:\n${error.stderr ?? error.message}`),
);
console.log(`deploy: debug ID ${debugId} injected into dist/index.js and dist/index.js.map`);

if (!settings.SENTRY_AUTH_TOKEN) {
  console.log(
    "deploy: source maps NOT uploaded to Sentry: SENTRY_AUTH_TOKEN is not set (set it with SENTRY_ORG and SENTRY_PROJECT to get readable stack traces)",
  );
} else {
  const output = await uploadSourceMaps(build, settings).catch((error) =>
    fail(
      `sentry-cli sourcemaps upload failed, nothing was deployed:\n${error.stdout ?? ""}${error.stderr ?? error.message}`,
    ),
  );
  console.log(output.trimEnd());
  console.log(
    `deploy: source maps uploaded to Sentry (${settings.SENTRY_ORG}/${settings.SENTRY_PROJECT}, debug ID ${debugId})`,
  );
}

// The build already applied wrangler.jsonc's minify; --no-minify only silences wrangler's warning that
// minify and --no-bundle do not go together.
const wrangler = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const deployed = spawnSync(
  process.execPath,
  [
    wrangler,
    "deploy",
    "--config",
    join(ROOT, "wrangler.jsonc"),
    "--no-bundle",
    "--no-minify",
    join(outdir, "index.js"),
    ...extra,
  ],
  { cwd: ROOT, stdio: "inherit" },
);
process.exit(deployed.status ?? 1);
