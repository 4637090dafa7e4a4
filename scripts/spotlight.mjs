// Runs the Spotlight sidecar and UI (@spotlightjs/spotlight) on a loopback port:
//   node scripts/spotlight.mjs [port]        (default 8969; npm run dev starts it for you)
//
// Why not the package's `spotlight` bin: the bin initialises Spotlight's own Sentry SDK with a
// hard-coded sentry.io DSN and reports its CLI arguments, HTTP requests and errors there, with no
// switch to turn that off. Local development here must work offline and talk only to loopback, so
// this starts the same server through the package's public `setupSpotlight` export and serves the
// same UI files the bin serves, without that SDK ever being initialised.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

// Spotlight 4.11.8 tags each request's span with `ctx.req.query().toString()`, which throws on hono
// 4.12.32 and later (`query()` became a null-prototype object) and made every sidecar request answer
// 500. package.json's `overrides` gives Spotlight the hono it was built with (4.12.31); the project
// keeps its own. Remove the override when Spotlight stops calling it.
const { setupSpotlight } = await import("@spotlightjs/spotlight");

const { positionals } = parseArgs({ allowPositionals: true });
const port = Number(positionals[0] ?? process.env.SPOTLIGHT_PORT ?? 8969);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`spotlight: not a port: ${positionals[0]}`);
  process.exit(2);
}

// The main export lives in dist/server/; the UI the bin serves is dist/ui/ with a Vite manifest.
const uiDir = join(dirname(fileURLToPath(import.meta.resolve("@spotlightjs/spotlight"))), "..", "ui");
const filesToServe = Object.create(null);
filesToServe["index.html"] = readFileSync(join(uiDir, "index.html"));
const manifest = JSON.parse(readFileSync(join(uiDir, "manifest.json"), "utf8"));
for (const entry of Object.values(manifest)) {
  if (entry && typeof entry.file === "string")
    filesToServe[entry.file] = readFileSync(join(uiDir, entry.file));
}

const server = await setupSpotlight({
  port,
  basePath: fileURLToPath(new URL("..", import.meta.url)),
  filesToServe,
  isStandalone: true,
});
if (!server) {
  // setupSpotlight returns nothing when a sidecar already answers on the port: reuse is fine for a
  // person, but the caller asked for this port and would otherwise wait on someone else's process.
  console.error(`spotlight: a Spotlight sidecar is already running on port ${port}`);
  process.exit(3);
}
