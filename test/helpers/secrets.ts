import { defaultSeed } from "../doubles/fake-github.seed";

/**
 * Every secret or private value a test handles is registered here, and the privacy scan fails if any
 * of them shows up in anything sent to Sentry.
 */
const seen = new Set<string>();

/** Remembers a value that must never reach telemetry; returns it for chaining. */
export function secret(value: string): string {
  if (value.length >= 6) seen.add(value);
  return value;
}

/** The values registered so far in this test file. */
export function registeredSecrets(): string[] {
  return [...seen];
}

/** Shapes that must never appear in telemetry, whoever produced them. */
export const FORBIDDEN_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ["GitHub token", /\b(?:gh[opusr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,})/],
  ["bearer credential", /\bBearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=:-]{8,}/i],
  ["email address", /[A-Za-z0-9._%+-]+@(?!sentry\.test)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/],
  ["OAuth code or state in a URL", /[?&#](?:code|state)=(?!\[redacted\])[^&#\s"'\\]+/],
  ["cookie header", /"cookie"\s*:\s*"(?!\[redacted\])/i],
  [
    "credential header attribute",
    /"http\.request\.header\.(?:authorization|cookie)"\s*:\s*\{[^}]*"value"\s*:\s*\[?"(?!\[redacted\]|\[Filtered\])/i,
  ],
];

/**
 * The fake GitHub's private data: private repositories' names and every issue's title and body. None of
 * it may reach telemetry, whichever tool read it: spans and errors name routes and shapes, not content.
 */
export const PRIVATE_SEED_VALUES: readonly string[] = [
  ...defaultSeed.repos
    .filter((repo) => repo.private)
    .flatMap((repo) => [`${repo.owner}/${repo.name}`, `/${repo.name}/`, `/${repo.name}"`, `"${repo.name}"`]),
  ...defaultSeed.issues
    .flatMap((issue) => [issue.title, issue.body ?? ""])
    .filter((text) => text.length >= 12),
];

/**
 * What a scan must read: the text as sent, and what is hidden in it by encoding: URL-encoded runs
 * decoded, and every base64 run of 16 characters or more decoded (agents base64-encodes whole JSON-RPC
 * messages into a header).
 */
export function decodedViews(raw: string): string[] {
  const views = [raw];
  try {
    views.push(decodeURIComponent(raw.replace(/%(?![0-9A-Fa-f]{2})/g, "%25")));
  } catch {
    // Not decodable as a whole; the raw view stands.
  }
  for (const run of raw.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []) {
    try {
      const text = atob(run.length % 4 === 0 ? run : run.slice(0, run.length - (run.length % 4)));
      if (/^[\t\n\r -~]{8,}/.test(text)) views.push(text);
    } catch {
      // Not base64 after all.
    }
  }
  return views;
}

/** A value and the forms it takes inside JSON text. */
export function needlesOf(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

/**
 * The privacy scan of a list of envelopes, as sent and decoded (URL encoding, base64 runs): secret
 * shapes, every value in `secrets` and the fake GitHub's private data; one line per leak found. The
 * workerd suite runs it on the sink after every file, the stdio suite on what the stdio host sent.
 */
export function leaksIn(list: ReadonlyArray<{ raw: string }>, secrets: readonly string[]): string[] {
  const leaks: string[] = [];
  list.forEach((envelope, index) => {
    const views = decodedViews(envelope.raw);
    for (const view of views) {
      for (const [what, pattern] of FORBIDDEN_PATTERNS) {
        const match = pattern.exec(view);
        if (match) leaks.push(`envelope ${index}: ${what}: ${match[0].slice(0, 40)}`);
      }
    }
    const found = (value: string) =>
      views.some((view) => needlesOf(value).some((needle) => view.includes(needle)));
    for (const value of secrets) {
      if (found(value)) leaks.push(`envelope ${index}: a registered secret (${value.slice(0, 4)}…)`);
    }
    for (const value of PRIVATE_SEED_VALUES) {
      if (found(value))
        leaks.push(`envelope ${index}: the fake GitHub's private data (${value.slice(0, 24)}…)`);
    }
  });
  return [...new Set(leaks)];
}
