import type { Config } from "../config";
import { UpstreamError, UserInputError } from "../errors";
import { createGitHubClient, type GitHubUser } from "../github/client";

/** A random PKCE verifier (RFC 7636: 43 to 128 unreserved characters). */
export function createVerifier(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(48));
  return base64url(bytes);
}

/** The S256 code challenge for a verifier. */
export async function challengeFor(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** GitHub's authorize URL for one sign-in. */
export function githubAuthorizeUrl(
  config: Config,
  input: { redirectUri: string; state: string; codeChallenge: string },
): string {
  const url = new URL(`${config.githubWebUrl}/login/oauth/authorize`);
  url.searchParams.set("client_id", config.githubClientId);
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("scope", config.githubScopes.join(" "));
  url.searchParams.set("state", input.state);
  url.searchParams.set("code_challenge", input.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("allow_signup", "false");
  return url.toString();
}

/** The user signed in at GitHub, with their token. */
export interface GitHubSignIn {
  accessToken: string;
  user: GitHubUser;
}

/**
 * Exchanges GitHub's code for a token and reads the user. GitHub answers token errors with HTTP 200
 * and an `error` field; an expired or reused code is the user's to retry, so it is a UserInputError.
 */
export async function exchangeCode(
  config: Config,
  input: { code: string; verifier: string; redirectUri: string },
): Promise<GitHubSignIn> {
  let response: Response;
  try {
    response = await fetch(`${config.githubWebUrl}/login/oauth/access_token`, {
      method: "POST",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "observable-mcp",
      },
      body: new URLSearchParams({
        client_id: config.githubClientId,
        client_secret: config.githubClientSecret,
        code: input.code,
        redirect_uri: input.redirectUri,
        code_verifier: input.verifier,
      }),
      signal: AbortSignal.timeout(config.githubTimeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new UpstreamError(
      timedOut ? "GitHub's token endpoint timed out" : "GitHub's token endpoint was unreachable",
      {
        status: 0,
        reason: timedOut ? "timeout" : "network",
        hint: "GitHub did not answer; try signing in again in a minute.",
        cause: error,
      },
    );
  }
  if (!response.ok) {
    throw new UpstreamError(`GitHub's token endpoint answered ${response.status}`, {
      status: response.status,
      reason: response.status >= 500 ? "server_error" : "validation",
      hint: "GitHub could not finish the sign-in; try again in a minute.",
    });
  }
  const body = (await response.json()) as Record<string, unknown>;
  if (typeof body.error === "string") {
    if (body.error === "bad_verification_code") {
      throw new UserInputError(
        "GitHub says the sign-in code is incorrect or expired. Start the sign-in again.",
      );
    }
    // incorrect_client_credentials, redirect_uri_mismatch...: the deployment is misconfigured.
    throw new UpstreamError(`GitHub refused the token exchange: ${body.error}`, {
      status: 400,
      reason: "validation",
      hint: "The server's GitHub OAuth app settings do not match; the operator must fix them.",
    });
  }
  if (typeof body.access_token !== "string" || body.access_token.length === 0) {
    throw new UpstreamError("GitHub's token response had no access_token", {
      status: 502,
      reason: "server_error",
      hint: "GitHub sent an unexpected answer; try signing in again.",
    });
  }
  const github = createGitHubClient({
    apiBase: config.githubApiUrl,
    token: body.access_token,
    timeoutMs: config.githubTimeoutMs,
  });
  const user = await github.getAuthenticatedUser();
  if (config.collectEmail && user.email === null) user.email = await github.getPrimaryEmail();
  return { accessToken: body.access_token, user };
}
