import type { FakeFault } from "../doubles/fake-github";
import { secret } from "./secrets";

const CONTROL = "http://api.github.test/__fake";

/** Sets (or clears, with null) the fake GitHub's fault. */
export async function setFault(fault: FakeFault | null): Promise<void> {
  const response = await fetch(`${CONTROL}/fault`, { method: "POST", body: JSON.stringify(fault) });
  if (!response.ok) throw new Error(`fake GitHub refused the fault: ${response.status}`);
}

/**
 * Makes GitHub's next `/user` answer a 500 whose message carries a token, a bearer credential and an
 * email (each registered with the privacy scan); returns the values no telemetry may hold.
 */
export async function faultWithSecrets(tag: string): Promise<{ forbidden: string[] }> {
  const token = secret(`gho_${tag.padEnd(36, "Z").slice(0, 36)}`);
  const credential = `s3cr3t${tag}`;
  const bearer = secret(`Bearer 1001:grant:${credential}`);
  const email = secret(`mona.${tag.toLowerCase()}@example.com`);
  await setFault({
    kind: "status",
    status: 500,
    path: "/user",
    times: 1,
    message: `${token} ${bearer} ${email}`,
  });
  return { forbidden: [token, credential, email] };
}

/** Mints a GitHub token for a seeded user, skipping OAuth. */
export async function mintToken(login: string, scopes?: string[]): Promise<string> {
  const response = await fetch(`${CONTROL}/token`, {
    method: "POST",
    body: JSON.stringify({ login, scopes }),
  });
  return ((await response.json()) as { token: string }).token;
}

/**
 * Gives a repository's README, or an issue's body, generated text of `bytes` bytes (null: the seeded
 * text again).
 */
export async function setGeneratedText(
  target: { repo: string; issue?: number },
  bytes: number | null,
): Promise<void> {
  const response = await fetch(`${CONTROL}/generated`, {
    method: "POST",
    body: JSON.stringify({ ...target, bytes }),
  });
  if (!response.ok) throw new Error(`fake GitHub refused the generated text: ${response.status}`);
}

/** Revokes every GitHub token of `login`, as when the user revokes the OAuth app on GitHub. */
export async function revokeGitHubTokens(login: string): Promise<number> {
  const response = await fetch(`${CONTROL}/revoke`, { method: "POST", body: JSON.stringify({ login }) });
  if (!response.ok) throw new Error(`fake GitHub refused the revocation: ${response.status}`);
  return ((await response.json()) as { revoked: number }).revoked;
}
