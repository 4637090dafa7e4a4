import { exports } from "cloudflare:workers";
import { secret } from "./secrets";

/** The origin the Worker is addressed at in tests. */
export const ORIGIN = "https://observable-mcp.test";
export const REDIRECT_URI = "http://127.0.0.1:6274/oauth/callback";

/** A tiny cookie jar: enough for __Host- cookies on one origin. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      if (at > 0) {
        const name = pair.slice(0, at).trim();
        const value = pair.slice(at + 1).trim();
        if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") this.cookies.delete(name);
        else this.cookies.set(name, secret(value));
      }
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
  names(): string[] {
    return [...this.cookies.keys()];
  }
  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }
}

/** The Worker's default export, as production serves it. */
export const entry = (exports as unknown as { default: Fetcher }).default;

/** Calls the Worker under test (the same entry point production serves). */
export function worker(path: string, init: RequestInit = {}, jar?: CookieJar): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar?.header()) headers.set("Cookie", jar.header());
  return entry.fetch(new Request(new URL(path, ORIGIN), { ...init, headers, redirect: "manual" }));
}

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = secret(crypto.randomUUID() + crypto.randomUUID());
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  const challenge = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return { verifier, challenge };
}

/** Registers an MCP client dynamically, as MCP clients do. */
export async function registerClient(clientName = "Test Client"): Promise<string> {
  const response = await worker("/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: clientName,
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
  if (response.status !== 201)
    throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { client_id: string };
  return body.client_id;
}

/** The consent step: GET /authorize, returning the page, its handle and the cookies it set. */
export async function openConsent(clientId: string, jar = new CookieJar()) {
  const { verifier, challenge } = await pkce();
  const state = secret(`client-state-${crypto.randomUUID()}`);
  const url = new URL("/authorize", ORIGIN);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    scope: "mcp",
    resource: ORIGIN,
  }).toString();
  const response = await worker(url.pathname + url.search, {}, jar);
  jar.store(response);
  const html = await response.text();
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1] ?? "";
  return { response, html, handle, jar, verifier, state };
}

/** Submits the consent form. */
export async function submitConsent(handle: string, decision: "approve" | "deny", jar: CookieJar) {
  const response = await worker(
    "/authorize",
    {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ handle, decision }).toString(),
    },
    jar,
  );
  jar.store(response);
  return response;
}

/** Follows the redirect to the fake GitHub, signing in as `login`; returns GitHub's redirect back to us. */
export async function signInAtGitHub(githubAuthorizeUrl: string, login: string): Promise<URL> {
  const url = new URL(githubAuthorizeUrl);
  url.searchParams.set("login", login);
  const response = await fetch(url, { redirect: "manual" });
  const location = response.headers.get("Location");
  if (response.status !== 302 || !location)
    throw new Error(`fake GitHub did not redirect: ${response.status}`);
  const back = new URL(location);
  const code = back.searchParams.get("code");
  if (code) secret(code);
  const state = back.searchParams.get("state");
  if (state) secret(state);
  return back;
}

/** Calls our /callback with what GitHub sent back. */
export async function callback(back: URL, jar: CookieJar): Promise<Response> {
  const response = await worker(back.pathname + back.search, {}, jar);
  jar.store(response);
  return response;
}

/** Exchanges the client's code at /token. */
export async function exchangeToken(clientId: string, code: string, verifier: string) {
  const response = await worker("/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      resource: ORIGIN,
    }).toString(),
  });
  return response;
}

/** The whole flow, as a real MCP client and browser would do it. Returns a bearer token for /mcp and /sse. */
export async function signIn(
  login = "octocat",
  clientName = "Test Client",
): Promise<{ token: string; clientId: string }> {
  const clientId = await registerClient(clientName);
  const consent = await openConsent(clientId);
  const approved = await submitConsent(consent.handle, "approve", consent.jar);
  const toGitHub = approved.headers.get("Location");
  if (approved.status !== 302 || !toGitHub) throw new Error(`consent did not redirect: ${approved.status}`);
  const back = await signInAtGitHub(toGitHub, login);
  const done = await callback(back, consent.jar);
  const toClient = done.headers.get("Location");
  if (done.status !== 302 || !toClient)
    throw new Error(`callback failed: ${done.status} ${await done.text()}`);
  const code = secret(new URL(toClient).searchParams.get("code") ?? "");
  const tokenResponse = await exchangeToken(clientId, code, consent.verifier);
  if (tokenResponse.status !== 200)
    throw new Error(`token failed: ${tokenResponse.status} ${await tokenResponse.text()}`);
  const tokens = (await tokenResponse.json()) as { access_token: string; refresh_token?: string };
  if (tokens.refresh_token) secret(tokens.refresh_token);
  return { token: secret(tokens.access_token), clientId };
}
