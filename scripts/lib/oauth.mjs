// The OAuth 2.1 sign-in an MCP client and a browser do, done over plain HTTP against the running
// stack: dynamic registration, our consent page, the GitHub stand-in, our /callback, the token.
// The same sequence as test/helpers/oauth.ts, but against real sockets instead of the Worker entry.
import { createHash, randomBytes } from "node:crypto";

const REDIRECT_URI = "http://127.0.0.1:6274/oauth/callback";

/** A cookie jar for one origin: enough for the consent page's __Host- cookies over http. */
class CookieJar {
  #cookies = new Map();
  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

const base64url = (bytes) => Buffer.from(bytes).toString("base64url");

/** One HTTP step, bounded, never following redirects (each hop is checked by the caller). */
async function step(fetcher, url, init = {}, jar) {
  const headers = new Headers(init.headers);
  if (jar?.header()) headers.set("cookie", jar.header());
  const response = await fetcher(url, {
    ...init,
    headers,
    redirect: "manual",
    signal: AbortSignal.timeout(15_000),
  });
  jar?.store(response);
  return response;
}

async function expectRedirect(response, what) {
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) {
    const body = (await response.text()).replace(/\s+/g, " ").slice(0, 300);
    throw new Error(`${what}: expected a 302 redirect, got HTTP ${response.status}: ${body}`);
  }
  return location;
}

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
  const registered = await step(fetcher, `${origin}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: clientName,
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
  if (registered.status !== 201) {
    throw new Error(`dynamic client registration: HTTP ${registered.status}: ${await registered.text()}`);
  }
  const { client_id: clientId } = await registered.json();

  const verifier = base64url(randomBytes(48));
  const challenge = base64url(createHash("sha256").update(verifier).digest());
  const state = base64url(randomBytes(16));
  const authorize = new URL("/authorize", origin);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    scope: "mcp",
    resource: origin,
  }).toString();

  const jar = new CookieJar();
  const consent = await step(fetcher, authorize, {}, jar);
  const consentHtml = await consent.text();
  const handle = /name="handle" value="([^"]+)"/.exec(consentHtml)?.[1];
  if (consent.status !== 200 || !handle) {
    const text = consentHtml
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 300);
    throw new Error(`consent page: HTTP ${consent.status} without a consent form: ${text}`);
  }

  const approved = await step(
    fetcher,
    `${origin}/authorize`,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ handle, decision: "approve" }).toString(),
    },
    jar,
  );
  const toGitHub = new URL(await expectRedirect(approved, "approving the consent page"));
  if (toGitHub.href.startsWith(REDIRECT_URI)) {
    const error = toGitHub.searchParams.get("error") ?? "no error given";
    throw new Error(`approving the consent page sent us back to the client instead of to GitHub (${error})`);
  }
  toGitHub.searchParams.set("login", login);

  const signedIn = await step(fetcher, toGitHub);
  const back = new URL(
    await expectRedirect(signedIn, `signing in at the GitHub stand-in (${toGitHub.origin})`),
  );
  if (back.searchParams.get("error")) {
    throw new Error(`GitHub stand-in refused: ${back.searchParams.get("error_description") ?? back.search}`);
  }

  const done = await step(fetcher, back, {}, jar);
  const toClient = new URL(await expectRedirect(done, "our /callback"));
  const code = toClient.searchParams.get("code");
  if (!code || toClient.searchParams.get("state") !== state) {
    throw new Error(`our /callback redirected without a code or with the wrong state: ${toClient.origin}`);
  }

  const token = await step(fetcher, `${origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      resource: origin,
    }).toString(),
  });
  if (token.status !== 200) throw new Error(`token exchange: HTTP ${token.status}: ${await token.text()}`);
  const { access_token: accessToken } = await token.json();
  if (!accessToken) throw new Error("token exchange: no access_token in the answer");
  return { accessToken, consentHtml };
}
