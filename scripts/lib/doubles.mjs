// Loads the test doubles (TypeScript, extension-less imports) into plain Node: esbuild bundles one
// entry into a single ES module in memory, which is then imported from a data: URL. Nothing is
// written to disk, so a stale build can never be served.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function importTypeScript(relativePath) {
  const result = await build({
    entryPoints: [`${ROOT}${relativePath}`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "node22",
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced nothing for ${relativePath}`);
  return import(`data:text/javascript;base64,${Buffer.from(output.contents).toString("base64")}`);
}

/** test/doubles/fake-github.ts: `createFakeGitHub({ webOrigin, apiBase, clientId, clientSecret })`. */
export async function loadFakeGitHub() {
  const module = await importTypeScript("test/doubles/fake-github.ts");
  return module.createFakeGitHub;
}

/** test/doubles/sentry-sink.ts: `createSentrySink(origin)`. */
export async function loadSentrySink() {
  const module = await importTypeScript("test/doubles/sentry-sink.ts");
  return module.createSentrySink;
}

/** test/doubles/oauth-client.ts: `createOAuthClient({ origin, fetch, onSecret? })`. */
export async function loadOAuthClient() {
  const module = await importTypeScript("test/doubles/oauth-client.ts");
  return module.createOAuthClient;
}

/** test/helpers/secrets.ts: `leaksIn(envelopes, secrets)`, the privacy scan of the workerd suite. */
export async function loadPrivacyScan() {
  const module = await importTypeScript("test/helpers/secrets.ts");
  return module.leaksIn;
}
