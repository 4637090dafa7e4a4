// Loads TypeScript from src/ and test/ (extension-less imports) into plain Node: esbuild bundles one entry
// into a single ES module in memory, which is then imported from a data: URL. Nothing is written to disk,
// so a stale build can never be served.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function importBundle(options, label) {
  const result = await build({
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "node22",
    write: false,
    logLevel: "silent",
    ...options,
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced nothing for ${label}`);
  return import(`data:text/javascript;base64,${Buffer.from(output.contents).toString("base64")}`);
}

/** Imports one TypeScript file, by its path from the repository root. */
export function importTypeScript(relativePath) {
  return importBundle({ entryPoints: [`${ROOT}${relativePath}`] }, relativePath);
}

/** Imports a TypeScript module written inline; its relative imports resolve from the repository root. */
export function importTypeScriptSource(contents, label = "inline module") {
  return importBundle(
    {
      stdin: { contents, resolveDir: ROOT, loader: "ts", sourcefile: label },
      mainFields: ["module", "main"],
    },
    label,
  );
}
