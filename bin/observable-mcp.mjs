#!/usr/bin/env node
// `npx observable-mcp`: the MCP server over stdio (src/stdio/main.ts, built into dist-stdio/ by
// `npm install` in a clone, or shipped in the packed tarball).
try {
  await import("../dist-stdio/main.mjs");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist-stdio")) throw error;
  process.stderr.write(
    "observable-mcp: dist-stdio/ is missing; run `npm install` (or `npm run build:stdio`) first.\n",
  );
  process.exit(1);
}
