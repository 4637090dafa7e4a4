#!/usr/bin/env node
// Builds the stdio host (src/stdio/main.ts) into dist-stdio/, which bin/observable-mcp.mjs runs: plain
// JavaScript for Node 20 and 22, so no TypeScript loader is needed at run time. `npm install` in a
// clone runs it (the `prepare` script), and so does `npm pack`, so the tarball carries the build.
// The Sentry SDK goes in a chunk of its own, loaded only when SENTRY_DSN is set.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const STDIO_OUTDIR = join(ROOT, "dist-stdio");

export async function buildStdio({ outdir = STDIO_OUTDIR, metafile = false } = {}) {
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  rmSync(outdir, { recursive: true, force: true });
  return build({
    entryPoints: { main: join(ROOT, "src/stdio/main.ts") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    // Readable stack traces in the user's terminal and in Sentry, without shipping source maps.
    minify: false,
    keepNames: true,
    legalComments: "none",
    // No module-loader hooks for the databases and frameworks @sentry/node can trace: this process loads
    // none of them, and the hooks would run on every module it does load.
    define: { OBSERVABLE_MCP_VERSION: JSON.stringify(version), __SENTRY_CHANNEL_INJECTION__: "false" },
    // Some bundled CommonJS dependencies call require() for Node's built-ins.
    banner: {
      js: 'import { createRequire as __stdioCreateRequire } from "node:module";\nconst require = __stdioCreateRequire(import.meta.url);',
    },
    metafile,
    logLevel: "warning",
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildStdio();
}
