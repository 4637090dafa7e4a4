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
