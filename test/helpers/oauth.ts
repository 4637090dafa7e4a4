import { exports } from "cloudflare:workers";
import { CLIENT_REDIRECT_URI, CookieJar, createOAuthClient } from "../doubles/oauth-client";
import { secret } from "./secrets";

export { CookieJar };

/** The origin the Worker is addressed at in tests. */
export const ORIGIN = "https://observable-mcp.test";
export const REDIRECT_URI = CLIENT_REDIRECT_URI;

/** The Worker's default export, as production serves it. */
export const entry = (exports as unknown as { default: Fetcher }).default;

// Requests to the Worker go straight to its entry point; the rest (the fake GitHub) leave through
// miniflare's outbound service like the Worker's own.
const client = createOAuthClient({
  origin: ORIGIN,
  fetch: (request) => (new URL(request.url).origin === ORIGIN ? entry.fetch(request) : fetch(request)),
  onSecret: secret,
});

/** Calls the Worker under test (the same entry point production serves), without following redirects. */
export function worker(path: string, init: RequestInit = {}, jar?: CookieJar): Promise<Response> {
  return client.send(path, init, jar);
}

/** Registers an MCP client dynamically, as MCP clients do. */
export const registerClient = (clientName = "Test Client") => client.registerClient(clientName);

/** The consent step: GET /authorize, returning the page, its handle and the cookies it set. */
export const openConsent = (clientId: string, jar = client.newJar()) => client.openConsent(clientId, jar);

/** Submits the consent form. */
export const submitConsent = client.submitConsent;

/** Follows the redirect to the fake GitHub, signing in as `login`; returns GitHub's redirect back to us. */
export const signInAtGitHub = client.signInAtGitHub;

/** Calls our /callback with what GitHub sent back. */
export const callback = client.callback;

/** Exchanges the client's code at /token. */
export const exchangeToken = client.exchangeToken;

/** The whole flow, as a real MCP client and browser would do it. Returns a bearer token for /mcp and /sse. */
export async function signIn(
  login = "octocat",
  clientName = "Test Client",
): Promise<{ token: string; clientId: string }> {
  const { token, clientId } = await client.signIn(login, clientName);
  return { token, clientId };
}
