import type { GitHubSignIn } from "./github-oauth";

/**
 * What a grant carries from sign-in to every MCP request (encrypted at rest by the OAuth provider).
 * Kept small: it is decrypted on every request.
 */
export interface GrantProps extends Record<string, unknown> {
  githubId: number;
  login: string;
  name: string | null;
  /** Present only when GITHUB_COLLECT_EMAIL is on. */
  email?: string;
  accessToken: string;
  /** The OAuth client (MCP client registration) that holds this grant. */
  clientId: string;
}

/** The grant's props for a GitHub sign-in: the email only when the operator turned collection on. */
export function grantPropsFor(signIn: GitHubSignIn, clientId: string, collectEmail: boolean): GrantProps {
  return {
    githubId: signIn.user.id,
    login: signIn.user.login,
    name: signIn.user.name,
    accessToken: signIn.accessToken,
    clientId,
    ...(collectEmail && signIn.user.email ? { email: signIn.user.email } : {}),
  };
}
