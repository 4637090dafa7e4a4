import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { challengeFor, createVerifier, exchangeCode } from "../src/auth/github-oauth";
import { grantPropsFor } from "../src/auth/props";
import { readConfig } from "../src/config";
import { ConfigurationError, classifyError } from "../src/errors";
import { secret } from "./helpers/secrets";

const REDIRECT = "https://observable-mcp.test/callback";

/** The test Worker's configuration (vitest.config.ts), with some settings changed. */
function configWith(overrides: Record<string, string>) {
  return readConfig({ ...env, ...overrides });
}

/** A code from the fake GitHub for `login`, with the scopes asked for, bound to a PKCE verifier. */
async function codeFor(login: string, scopes: string) {
  const verifier = secret(createVerifier());
  const url = new URL("http://github.test/login/oauth/authorize");
  url.search = new URLSearchParams({
    client_id: "test-github-client",
    redirect_uri: REDIRECT,
    scope: scopes,
    state: "s",
    code_challenge: await challengeFor(verifier),
    code_challenge_method: "S256",
    login,
  }).toString();
  const response = await fetch(url, { redirect: "manual" });
  const code = secret(new URL(response.headers.get("Location") ?? "").searchParams.get("code") ?? "");
  return { code, verifier };
}

describe("GitHub sign-in", () => {
  it("reads a private email through /user/emails only when collection is on, and keeps it out otherwise", async () => {
    const on = configWith({ GITHUB_COLLECT_EMAIL: "true", GITHUB_SCOPES: "read:user user:email" });
    const signedIn = await exchangeCode(on, {
      ...(await codeFor("hubot", "read:user user:email")),
      redirectUri: REDIRECT,
    });
    secret(signedIn.accessToken);
    expect(signedIn.user.email).toBe("hubot@example.com");
    expect(grantPropsFor(signedIn, "client-1", true).email).toBe("hubot@example.com");

    const off = configWith({});
    const plain = await exchangeCode(off, {
      ...(await codeFor("octocat", "read:user")),
      redirectUri: REDIRECT,
    });
    secret(plain.accessToken);
    // octocat's profile email is public, so GitHub sends it anyway: the grant must still not keep it.
    expect(plain.user.email).toBe("octocat@example.com");
    const props = grantPropsFor(plain, "client-1", false);
    expect(props).not.toHaveProperty("email");
    expect(props).toMatchObject({
      githubId: 1001,
      login: "octocat",
      name: "The Octocat",
      clientId: "client-1",
    });
  });

  it("refuses a PKCE verifier that does not match, as an expired code the user can retry", async () => {
    const { code } = await codeFor("octocat", "read:user");
    await expect(
      exchangeCode(configWith({}), { code, verifier: createVerifier(), redirectUri: REDIRECT }),
    ).rejects.toThrow(/incorrect or expired/);
  });

  it("signs in without an email when collection is on but the scope is missing", async () => {
    const on = configWith({ GITHUB_COLLECT_EMAIL: "true", GITHUB_SCOPES: "read:user" });
    const signedIn = await exchangeCode(on, {
      ...(await codeFor("hubot", "read:user")),
      redirectUri: REDIRECT,
    });
    secret(signedIn.accessToken);
    expect(signedIn.user.login).toBe("hubot");
    expect(signedIn.user.email).toBeNull();
  });

  it.each([
    [
      { GITHUB_CLIENT_SECRET: "not-the-secret" },
      REDIRECT,
      "GITHUB_CLIENT_ID",
      /incorrect_client_credentials/,
    ],
    [{}, "https://elsewhere.test/callback", "PUBLIC_URL", /redirect_uri_mismatch/],
  ])(
    "calls GitHub's refusal of the app's own settings a configuration error (%o)",
    async (settings, redirectUri, setting, said) => {
      const error = await exchangeCode(configWith(settings), {
        ...(await codeFor("octocat", "read:user")),
        redirectUri,
      }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).setting).toBe(setting);
      expect((error as Error).message).toMatch(said);
      expect(classifyError(error)).toMatchObject({ kind: "configuration", report: "once", status: 503 });
      expect(classifyError(error).text).not.toContain("not-the-secret");
    },
  );

  it("calls a token endpoint that answers 404 a wrong GITHUB_WEB_URL", async () => {
    const error = await exchangeCode(configWith({ GITHUB_WEB_URL: "http://github.test/nowhere" }), {
      code: "whatever",
      verifier: createVerifier(),
      redirectUri: REDIRECT,
    }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect((error as ConfigurationError).setting).toBe("GITHUB_WEB_URL");
  });
});
