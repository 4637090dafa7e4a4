/**
 * Redaction applied to everything that leaves for Sentry: events, spans, logs and breadcrumbs.
 * It is the last line of defence; the first is not putting private data into telemetry at all.
 */

const REDACTED = "[redacted]";

// GitHub token formats (classic and fine-grained), bearer/basic credentials, emails, and the OAuth
// values that let someone finish a sign-in: `code` and `state` query parameters.
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(?:gh[opusr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,})\b/g, REDACTED],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=:-]{8,}/gi, `$1 ${REDACTED}`],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, REDACTED],
  [
    /([?&#](?:code|state|code_verifier|access_token|refresh_token|client_secret)=)[^&#\s"']*/gi,
    `$1${REDACTED}`,
  ],
];

const SENSITIVE_KEY =
  /^(authorization|cookie|set-cookie|x-api-key|token|access_?token|refresh_?token|client_?secret|password|secret|code|state|code_verifier|email)$/i;

/** Redacts secrets and personal data from a string. */
export function scrubString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Redacts recursively: sensitive keys lose their value, every string is pattern-scrubbed.
 * Depth-limited so a cyclic or huge payload cannot stall the isolate.
 */
export function scrubValue<T>(value: T, depth = 0): T {
  if (typeof value === "string") return scrubString(value) as T;
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      SENSITIVE_KEY.test(leafOf(key)) && item !== undefined && item !== null
        ? REDACTED
        : scrubValue(item, depth + 1);
  }
  return out as T;
}

/** Span attributes name headers as dotted paths (`http.request.header.authorization`): judge the leaf. */
function leafOf(key: string): string {
  return key.slice(key.lastIndexOf(".") + 1);
}

/** Drops the query string and fragment of a URL; OAuth routes carry codes and state there. */
export function stripQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}
