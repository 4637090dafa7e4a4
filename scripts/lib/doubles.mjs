// Loads the test doubles (TypeScript) into plain Node, through esbuild in memory (./typescript.mjs).
import { importTypeScript } from "./typescript.mjs";

export { importTypeScript };

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

/** test/doubles/fake-sentry-api.ts: `createFakeSentryApi({ organizations, tokens, pageSize? })`. */
export async function loadFakeSentryApi() {
  const module = await importTypeScript("test/doubles/fake-sentry-api.ts");
  return module.createFakeSentryApi;
}

/** test/helpers/secrets.ts: `leaksIn(envelopes, secrets)`, the privacy scan of the workerd suite. */
export async function loadPrivacyScan() {
  const module = await importTypeScript("test/helpers/secrets.ts");
  return module.leaksIn;
}
