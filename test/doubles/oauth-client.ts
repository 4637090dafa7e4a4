/**
 * The OAuth 2.1 sign-in an MCP client and a browser do against this server: dynamic registration, our
 * consent page, GitHub (the stand-in, which approves `login=` without a page), our /callback, the
 * token. One implementation for the workerd tests (step by step, to probe each step's refusals) and
 * for the Node scripts (the whole flow at once). Web-standard APIs only, like the other doubles.
 */

/** Where the pretend MCP client listens for its authorization code. */
export const CLIENT_REDIRECT_URI = "http://127.0.0.1:6274/oauth/callback";

/** A cookie jar for one origin: enough for the consent helpers' `__Host-` cookies. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly onValue: (value: string) => void = () => {}) {}

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") {
        this.cookies.delete(name);
      } else {
        this.onValue(value);
        this.cookies.set(name, value);
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

/** How the client reaches the server and the GitHub stand-in. */
export interface OAuthClientOptions {
  /** The server's origin, also the OAuth resource. */
  origin: string;
  /** Carries every hop; never follows redirects itself (each hop is checked). */
  fetch: (request: Request) => Promise<Response>;
  /** Told every secret the flow handles (cookies, verifier, state, codes, tokens). */
  onSecret?: (value: string) => void;
  /** Per-hop time limit. */
  timeoutMs?: number;
}

/** The consent page as a browser got it. */
export interface ConsentStep {
  response: Response;
  html: string;
  handle: string;
  jar: CookieJar;
  verifier: string;
  state: string;
}

/** The client: each step on its own, and `signIn` for the whole flow. */
export interface OAuthClient {
  send(pathOrUrl: string | URL, init?: RequestInit, jar?: CookieJar): Promise<Response>;
  newJar(): CookieJar;
  registerClient(clientName: string): Promise<string>;
  openConsent(clientId: string, jar?: CookieJar): Promise<ConsentStep>;
  submitConsent(handle: string, decision: "approve" | "deny", jar: CookieJar): Promise<Response>;
  signInAtGitHub(githubAuthorizeUrl: string, login: string): Promise<URL>;
  callback(back: URL, jar: CookieJar): Promise<Response>;
  exchangeToken(clientId: string, code: string, verifier: string): Promise<Response>;
  signIn(
    login: string,
    clientName: string,
  ): Promise<{ token: string; clientId: string; consentHtml: string }>;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

async function describe(response: Response): Promise<string> {
  const text = (await response.text())
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return `HTTP ${response.status}: ${text.slice(0, 300)}`;
}

/** Creates a client for one server. */
export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  const { origin } = options;
  const remember = (value: string | null | undefined): string => {
    if (value) options.onSecret?.(value);
    return value ?? "";
  };
  const newJar = () => new CookieJar(remember);

  const send: OAuthClient["send"] = async (pathOrUrl, init = {}, jar) => {
    const headers = new Headers(init.headers);
    if (jar?.header()) headers.set("Cookie", jar.header());
    const url = new URL(pathOrUrl, origin);
    const response = await options.fetch(
      new Request(url, {
        ...init,
        headers,
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      }),
    );
    jar?.store(response);
    return response;
  };

  const client: OAuthClient = {
    send,
    newJar,

    async registerClient(clientName) {
      const response = await send("/register", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          client_name: clientName,
          redirect_uris: [CLIENT_REDIRECT_URI],
          token_endpoint_auth_method: "none",
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
        }),
      });
      if (response.status !== 201)
        throw new Error(`dynamic client registration: ${await describe(response)}`);
      return ((await response.json()) as { client_id: string }).client_id;
    },

    async openConsent(clientId, jar = newJar()) {
      const { verifier, challenge } = await pkce();
      remember(verifier);
      const state = remember(`client-state-${crypto.randomUUID()}`);
      const url = new URL("/authorize", origin);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: clientId,
        redirect_uri: CLIENT_REDIRECT_URI,
        state,
        code_challenge: challenge,
        code_challenge_method: "S256",
        scope: "mcp",
        resource: origin,
      }).toString();
      const response = await send(url, {}, jar);
      const html = await response.text();
      const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1] ?? "";
      return { response, html, handle, jar, verifier, state };
    },

    submitConsent(handle, decision, jar) {
      return send(
        "/authorize",
        {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ handle, decision }).toString(),
        },
        jar,
      );
    },

    async signInAtGitHub(githubAuthorizeUrl, login) {
      const url = new URL(githubAuthorizeUrl);
      url.searchParams.set("login", login);
      const response = await send(url);
      const location = response.headers.get("Location");
      if (response.status !== 302 || !location) {
        throw new Error(`signing in at the GitHub stand-in (${url.origin}): ${await describe(response)}`);
      }
      const back = new URL(location);
      remember(back.searchParams.get("code"));
      remember(back.searchParams.get("state"));
      return back;
    },

    callback(back, jar) {
      return send(back.pathname + back.search, {}, jar);
    },

    exchangeToken(clientId, code, verifier) {
      return send("/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          client_id: clientId,
          code,
          redirect_uri: CLIENT_REDIRECT_URI,
          code_verifier: verifier,
          resource: origin,
        }).toString(),
      });
    },

    async signIn(login, clientName) {
      const clientId = await client.registerClient(clientName);
      const consent = await client.openConsent(clientId);
      if (consent.response.status !== 200 || !consent.handle) {
        throw new Error(`consent page without a consent form: HTTP ${consent.response.status}`);
      }
      const approved = await client.submitConsent(consent.handle, "approve", consent.jar);
      const toGitHub = approved.headers.get("Location");
      if (approved.status !== 302 || !toGitHub)
        throw new Error(`approving the consent page: ${await describe(approved)}`);
      if (toGitHub.startsWith(CLIENT_REDIRECT_URI)) {
        const error = new URL(toGitHub).searchParams.get("error") ?? "no error given";
        throw new Error(
          `approving the consent page sent us back to the client instead of to GitHub (${error})`,
        );
      }
      const back = await client.signInAtGitHub(toGitHub, login);
      if (back.searchParams.get("error")) {
        throw new Error(
          `GitHub stand-in refused: ${back.searchParams.get("error_description") ?? back.search}`,
        );
      }
      const done = await client.callback(back, consent.jar);
      const toClient = done.headers.get("Location");
      if (done.status !== 302 || !toClient) throw new Error(`our /callback: ${await describe(done)}`);
      const redirected = new URL(toClient);
      const code = remember(redirected.searchParams.get("code"));
      if (!code || redirected.searchParams.get("state") !== consent.state) {
        throw new Error(
          `our /callback redirected without a code or with the wrong state: ${redirected.origin}`,
        );
      }
      const tokenResponse = await client.exchangeToken(clientId, code, consent.verifier);
      if (tokenResponse.status !== 200) throw new Error(`token exchange: ${await describe(tokenResponse)}`);
      const tokens = (await tokenResponse.json()) as { access_token?: string; refresh_token?: string };
      remember(tokens.refresh_token);
      if (!tokens.access_token) throw new Error("token exchange: no access_token in the answer");
      return { token: remember(tokens.access_token), clientId, consentHtml: consent.html };
    },
  };
  return client;
}
