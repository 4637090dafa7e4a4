// Writes the Panels and Alerts block of docs/telemetry.md from src/observability/definitions.ts
// (rendered by src/observability/markdown.ts). With --check it writes nothing and exits 1 when the
// file's block is not what the definitions render (test/observability-docs.test.ts checks the same).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const docs = `${root}docs/telemetry.md`;

// The renderer is TypeScript with extension-less imports: bundled in memory, imported from a data: URL.
const result = await build({
  entryPoints: [`${root}src/observability/markdown.ts`],
  bundle: true,
  format: "esm",
  platform: "neutral",
  write: false,
  logLevel: "silent",
});
const source = Buffer.from(result.outputFiles[0].contents).toString("base64");
const { replaceObservabilityBlock } = await import(`data:text/javascript;base64,${source}`);

const current = readFileSync(docs, "utf8");
const next = replaceObservabilityBlock(current);
if (process.argv.includes("--check")) {
  if (next !== current) {
    console.error(
      "docs/telemetry.md is out of date with src/observability/definitions.ts: run npm run docs:observability",
    );
    process.exit(1);
  }
  console.log("docs/telemetry.md matches the observability definitions");
} else if (next === current) {
  console.log("docs/telemetry.md already matches the observability definitions");
} else {
  writeFileSync(docs, next);
  console.log("docs/telemetry.md: wrote the Panels and Alerts block from the definitions");
}
