import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authApp } from "../src/auth/app";
import workerEntry from "../src/index";
import { setFault } from "./helpers/github";
import {
  CookieJar,
  callback,
  ORIGIN,
  openConsent,
  REDIRECT_URI,
  registerClient,
  signInAtGitHub,
  submitConsent,
  worker,
} from "./helpers/oauth";
import { attr, envelopes, itemsOf, mark, spansOf, waitFor } from "./helpers/sink";

describe("discovery", () => {
  it("answers an unauthenticated MCP request with 401 pointing at the resource metadata", async () => {
    for (const path of ["/mcp", "/sse"]) {
      const response = await worker(path, { method: "POST", body: "{}" });
      expect(response.status).toBe(401);
      const challenge = response.headers.get("WWW-Authenticate") ?? "";
      expect(challenge).toContain("Bearer");
      expect(challenge).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource"`);
    }
  });

  it("publishes one resource, the origin, which covers /mcp and /sse", async () => {
    const response = await worker("/.well-known/oauth-protected-resource");
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as { resource: string; authorization_servers: string[] };
    expect(metadata.resource).toBe(ORIGIN);
    expect(metadata.authorization_servers).toEqual([ORIGIN]);
    const server = (await (await worker("/.well-known/oauth-authorization-server")).json()) as Record<
      string,
      unknown
    >;
    expect(server.registration_endpoint).toBe(`${ORIGIN}/register`);
    expect(server.code_challenge_methods_supported).toContain("S256");
  });
});

describe("consent page", () => {
  it("shows the client's name escaped, its redirect URI and the GitHub scopes, and never redirects first", async () => {
    const clientId = await registerClient(`<script>alert("x")</script> Evil & Co`);
    const { response, html, handle, jar } = await openConsent(clientId);
    expect(response.status).toBe(200);
    expect(response.headers.get("Location")).toBeNull();
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Evil &amp; Co");
    // The test's GitHub is a plain-http stand-in, and the button says where it really goes.
    expect(html).toContain("Allow and continue to the local sign-in");
    expect(html).toContain(REDIRECT_URI);
    expect(html).toContain("<code>read:user</code> <code>repo</code>");
    expect(html).not.toContain("github.test");
    expect(handle).not.toBe("");
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    expect(response.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    const binding = response.headers.getSetCookie().find((line) => line.startsWith("__Host-"));
    expect(binding).toMatch(/Secure/);
    expect(binding).toMatch(/HttpOnly/);
    expect(binding).toMatch(/SameSite=Lax/i);
    expect(jar.names().some((name) => name.startsWith("__Host-"))).toBe(true);
  });

  it("redirects to GitHub with state and PKCE only after approval", async () => {
    const { handle, jar } = await openConsent(await registerClient());
    const approved = await submitConsent(handle, "approve", jar);
    expect(approved.status).toBe(302);
    const to = new URL(approved.headers.get("Location") ?? "");
    expect(to.origin + to.pathname).toBe("http://github.test/login/oauth/authorize");
    expect(to.searchParams.get("client_id")).toBe("test-github-client");
    expect(to.searchParams.get("redirect_uri")).toBe(`${ORIGIN}/callback`);
    expect(to.searchParams.get("scope")).toBe("read:user repo");
    expect(to.searchParams.get("state")?.length).toBeGreaterThan(16);
    expect(to.searchParams.get("code_challenge_method")).toBe("S256");
    expect(to.searchParams.get("code_challenge")?.length).toBe(43);
  });

  it("sends the client access_denied when the user denies", async () => {
    const { handle, jar } = await openConsent(await registerClient());
    const denied = await submitConsent(handle, "deny", jar);
    expect(denied.status).toBe(302);
    const to = new URL(denied.headers.get("Location") ?? "");
    expect(to.origin + to.pathname).toBe(REDIRECT_URI);
    expect(to.searchParams.get("error")).toBe("access_denied");
  });

  it("rejects a form posted without the browser's binding cookie (CSRF)", async () => {
    const { handle } = await openConsent(await registerClient());
    const response = await submitConsent(handle, "approve", new CookieJar());
    expect(response.status).toBe(400);
    expect(response.headers.get("Location")).toBeNull();
    expect(await response.text()).toContain("This sign-in cannot continue");
  });

  it("rejects a tampered binding cookie", async () => {
    const { handle, jar } = await openConsent(await registerClient());
    const name = jar.names().find((n) => n.startsWith("__Host-oauth-consent")) ?? "";
    expect(name).not.toBe("");
    jar.set(name, "tampered-value-0000000000000000");
    const response = await submitConsent(handle, "approve", jar);
    expect(response.status).toBe(400);
    expect(response.headers.get("Location")).toBeNull();
  });

  it("rejects a consent handle used twice", async () => {
    const { handle, jar } = await openConsent(await registerClient());
    const saved = jar.header();
    expect((await submitConsent(handle, "approve", jar)).status).toBe(302);
    const again = new CookieJar();
    for (const pair of saved.split("; ")) {
      const at = pair.indexOf("=");
      again.set(pair.slice(0, at), pair.slice(at + 1));
    }
    expect((await submitConsent(handle, "approve", again)).status).toBe(400);
  });
});

async function toCallback(login = "octocat") {
  const { handle, jar } = await openConsent(await registerClient());
  const approved = await submitConsent(handle, "approve", jar);
  return { jar, githubUrl: approved.headers.get("Location") ?? "", login };
}

describe("callback", () => {
  it("completes the sign-in and redirects to the client with a code", async () => {
    const { jar, githubUrl } = await toCallback();
    const back = await signInAtGitHub(githubUrl, "octocat");
    const response = await callback(back, jar);
    expect(response.status).toBe(302);
    const to = new URL(response.headers.get("Location") ?? "");
    expect(to.origin + to.pathname).toBe(REDIRECT_URI);
    expect(to.searchParams.get("code")).toBeTruthy();
  });

  it("records the OAuth routes' requests without their query strings", async () => {
    const { jar, githubUrl } = await toCallback();
    const back = await signInAtGitHub(githubUrl, "octocat");
    const state = back.searchParams.get("state") ?? "";
    expect((await callback(back, jar)).status).toBe(302);
    const spans = await waitFor((list) => {
      const found = spansOf(list).filter((s) =>
        ["/callback", "/authorize"].includes(String(attr(s, "url.path"))),
      );
      return found.some((s) => attr(s, "url.path") === "/callback") ? found : undefined;
    });
    for (const span of spans) {
      expect(String(attr(span, "url.full"))).toMatch(new RegExp(`^${ORIGIN}/(callback|authorize)$`));
      expect(JSON.stringify(span)).not.toContain(state);
    }
  });

  it("rejects a replayed state", async () => {
    const { jar, githubUrl } = await toCallback();
    const back = await signInAtGitHub(githubUrl, "octocat");
    expect((await callback(back, jar)).status).toBe(302);
    const replay = await worker(back.pathname + back.search, {}, jar);
    expect(replay.status).toBe(400);
    expect(await replay.text()).not.toMatch(/at .*\.ts|Error:/);
  });

  it("rejects a callback from another browser (no binding cookie)", async () => {
    const { githubUrl } = await toCallback();
    const back = await signInAtGitHub(githubUrl, "octocat");
    expect((await callback(back, new CookieJar())).status).toBe(400);
  });

  it("ends on a 403 page when the user declines at GitHub", async () => {
    const { jar, githubUrl } = await toCallback();
    const state = new URL(githubUrl).searchParams.get("state") ?? "";
    const response = await worker(
      `/callback?error=access_denied&state=${encodeURIComponent(state)}`,
      {},
      jar,
    );
    expect(response.status).toBe(403);
    const html = await response.text();
    expect(html).toContain("Sign-in cancelled");
    expect(html).toContain("error=access_denied");
  });

  it("ends on a 400 page for a bad code, with nothing secret in it", async () => {
    const { jar, githubUrl } = await toCallback();
    const back = await signInAtGitHub(githubUrl, "octocat");
    back.searchParams.set("code", "not-a-real-code");
    const response = await callback(back, jar);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("incorrect or expired");
    expect(html).not.toContain("test-github-secret");
  });

  it.each([
    ["a GitHub 5xx", { kind: "status", status: 503, path: "/login/oauth/access_token" }],
    ["a GitHub timeout", { kind: "hang", path: "/login/oauth/access_token" }],
  ] as const)("ends on a 502 page for %s", async (_, fault) => {
    const { jar, githubUrl } = await toCallback();
    const back = await signInAtGitHub(githubUrl, "octocat");
    await setFault(fault);
    try {
      const response = await callback(back, jar);
      expect(response.status).toBe(502);
      const html = await response.text();
      expect(html).toContain("GitHub sign-in failed");
      expect(html).not.toMatch(/test-github-secret|at .*\.ts/);
    } finally {
      await setFault(null);
    }
  });
});

describe("configuration", () => {
  it("refuses to start sign-in without a GitHub OAuth app, with a clear page", async () => {
    const request = new Request(`${ORIGIN}/authorize?client_id=x`);
    const response = await authApp.fetch(request, { ...env, GITHUB_CLIENT_ID: "", GITHUB_CLIENT_SECRET: "" });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET");
  });
});

describe("bad input at the HTTP edge", () => {
  it("answers a consent POST that is not a form with a 400 page, not a 500", async () => {
    const response = await worker("/authorize", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ decision: "approve" }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("The consent form was not sent as a form");
  });
});

describe("a deployed Worker", () => {
  it("answers every route with a clear 503 when it points at a local GitHub stand-in", async () => {
    const production = {
      ...env,
      ENVIRONMENT: "production",
      GITHUB_WEB_URL: "https://github.com",
      GITHUB_API_URL: "http://127.0.0.1:8790/api/v3",
    };
    const before = await mark();
    for (const path of ["/authorize?client_id=x", "/mcp", "/.well-known/oauth-protected-resource"]) {
      const ctx = createExecutionContext();
      const response = await workerEntry.fetch(new Request(`${ORIGIN}${path}`), production, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status, path).toBe(503);
      const html = await response.text();
      // The public page names the setting and says the operator was told; the value stays out of it.
      expect(html).toContain("This server is misconfigured. Its GITHUB_API_URL setting needs fixing");
      expect(html).toContain("its operator has been told");
      expect(html).not.toContain("127.0.0.1");
    }
    // The operator is told once per isolate, with the whole message, not once per request.
    const events = await waitFor((list) => {
      const found = itemsOf(list.slice(before), "event").filter((item) =>
        JSON.stringify(item.payload).includes(
          "GITHUB_API_URL is http://127.0.0.1:8790/api/v3, a local GitHub stand-in",
        ),
      );
      return found.length > 0 ? found : undefined;
    });
    const again = createExecutionContext();
    await workerEntry.fetch(new Request(`${ORIGIN}/mcp`), production, again);
    await waitOnExecutionContext(again);
    const later = (await envelopes()).slice(before);
    expect(
      itemsOf(later, "event").filter((item) =>
        JSON.stringify(item.payload).includes("a local GitHub stand-in"),
      ),
    ).toHaveLength(events.length);
    expect(events).toHaveLength(1);
  });

  it("answers a malformed OTEL setting with the same 503, naming it and not its value", async () => {
    const misconfigured = {
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=otlpkey%zz",
    };
    const before = await mark();
    for (const path of ["/mcp", "/authorize?client_id=x"]) {
      const ctx = createExecutionContext();
      const response = await workerEntry.fetch(new Request(`${ORIGIN}${path}`), misconfigured, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status, path).toBe(503);
      const html = await response.text();
      expect(html).toContain("Its OTEL_EXPORTER_OTLP_HEADERS setting needs fixing");
      expect(html).not.toContain("otlpkey");
    }
    // Reported to Sentry (the OTLP leg stays off until it is fixed), without the header's value.
    const event = await waitFor((list) =>
      itemsOf(list.slice(before), "event").find((item) =>
        JSON.stringify(item.payload).includes("OTEL_EXPORTER_OTLP_HEADERS must be"),
      ),
    );
    expect(JSON.stringify(event.payload)).not.toContain("otlpkey");
  });

  it("refuses to sign in through a local GitHub stand-in, with a clear page", async () => {
    const request = new Request(`${ORIGIN}/authorize?client_id=x`);
    const response = await authApp.fetch(request, {
      ...env,
      ENVIRONMENT: "production",
      GITHUB_WEB_URL: "http://localhost:8790",
    });
    expect(response.status).toBe(503);
    const html = await response.text();
    expect(html).toContain("This server is misconfigured. Its GITHUB_WEB_URL setting needs fixing");
    expect(html).not.toContain("localhost:8790");
    expect(html).not.toContain("test-github-secret");
  });
});
