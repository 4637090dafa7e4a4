// The OAuth sign-in over HTTP, for the scripts: the same client the workerd tests use
// (test/doubles/oauth-client.ts), loaded through esbuild like the other test doubles.
import { loadOAuthClient } from "./doubles.mjs";

/**
 * Signs in through the whole flow as `login` and returns `{ accessToken, consentHtml }`.
 * `origin` is the Worker's origin (also the OAuth resource); the stand-in auto-approves `login`.
 * `fetch` carries every hop (default: the real network stack, i.e. loopback sockets); the benchmark
 * passes one that dispatches into Miniflare instead.
 */
export async function signIn(
  origin,
  { login = "octocat", clientName = "observable-mcp e2e", fetch: fetcher = globalThis.fetch } = {},
) {
  const createOAuthClient = await loadOAuthClient();
  const client = createOAuthClient({ origin, fetch: (request) => fetcher(request) });
  const { token, consentHtml } = await client.signIn(login, clientName);
  return { accessToken: token, consentHtml };
}
