import type { Config } from "../config";
import { ConfigurationError, UpstreamError, UserInputError } from "../errors";
import { createGitHubClient, type GitHubUser } from "../github/client";
import { createLogger } from "../telemetry/logger";

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
  if (response.status === 404) {
    // github.com always has this endpoint: a 404 means GITHUB_WEB_URL points somewhere else.
    throw new ConfigurationError(
      "GITHUB_WEB_URL does not look like GitHub: its /login/oauth/access_token answered 404.",
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
    throw new ConfigurationError(operatorMistake(body.error.slice(0, 64)));
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
  if (config.collectEmail && user.email === null) user.email = await primaryEmailOrNone(github);
  return { accessToken: body.access_token, user };
}

/**
 * With GITHUB_COLLECT_EMAIL on but without the `user:email` scope, GitHub refuses /user/emails: the
 * sign-in goes on without an email, and the operator is told once in the logs why none is stored.
 */
async function primaryEmailOrNone(github: ReturnType<typeof createGitHubClient>): Promise<string | null> {
  try {
    return await github.getPrimaryEmail();
  } catch (error) {
    if (!(error instanceof UpstreamError) || !error.expected) throw error;
    createLogger().warn(
      "GITHUB_COLLECT_EMAIL is on, but GitHub refused /user/emails; signed in without an email. Add user:email to GITHUB_SCOPES.",
      { "http.response.status_code": error.status },
    );
    return null;
  }
}

/** What GitHub's token error means for the operator: the deployment, not the user, must change. */
function operatorMistake(code: string): string {
  if (code === "incorrect_client_credentials") {
    return "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not a valid pair for a GitHub OAuth app (GitHub: incorrect_client_credentials).";
  }
  if (code === "redirect_uri_mismatch") {
    return "PUBLIC_URL (or the request's origin) + /callback is not the GitHub OAuth app's callback URL (GitHub: redirect_uri_mismatch).";
  }
  return `GITHUB_CLIENT_ID: GitHub refused the token exchange with ${code}; check the GitHub OAuth app's settings.`;
}
