import type { FakeFault } from "../doubles/fake-github";

const CONTROL = "http://api.github.test/__fake";

/** Sets (or clears, with null) the fake GitHub's fault. */
export async function setFault(fault: FakeFault | null): Promise<void> {
  const response = await fetch(`${CONTROL}/fault`, { method: "POST", body: JSON.stringify(fault) });
  if (!response.ok) throw new Error(`fake GitHub refused the fault: ${response.status}`);
}

/** Mints a GitHub token for a seeded user, skipping OAuth. */
export async function mintToken(login: string, scopes?: string[]): Promise<string> {
  const response = await fetch(`${CONTROL}/token`, {
    method: "POST",
    body: JSON.stringify({ login, scopes }),
  });
  return ((await response.json()) as { token: string }).token;
}
