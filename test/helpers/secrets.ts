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
