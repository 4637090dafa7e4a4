import { ConfigurationError } from "./errors";

/** The server's configuration, parsed once from the Worker's env. */
export interface Config {
  environment: string;
  development: boolean;
  githubWebUrl: string;
  githubApiUrl: string;
  githubClientId: string;
  githubClientSecret: string;
  githubScopes: string[];
  collectEmail: boolean;
  githubTimeoutMs: number;
  recordArgumentValues: boolean;
  publicUrl: string | undefined;
}

/** The env fields read here; secrets may be absent at runtime whatever the generated types say. */
export type ConfigEnv = Partial<
  Record<
    | "ENVIRONMENT"
    | "GITHUB_WEB_URL"
    | "GITHUB_API_URL"
    | "GITHUB_CLIENT_ID"
    | "GITHUB_CLIENT_SECRET"
    | "GITHUB_SCOPES"
    | "GITHUB_COLLECT_EMAIL"
    | "GITHUB_TIMEOUT_MS"
    | "SENTRY_RECORD_ARGUMENT_VALUES"
    | "PUBLIC_URL",
    string
  >
>;

/** Parses and checks the configuration; a malformed value throws a ConfigurationError naming it. */
export function readConfig(env: ConfigEnv): Config {
  const environment = (env.ENVIRONMENT ?? "production").trim() || "production";
  const timeout = Number(env.GITHUB_TIMEOUT_MS ?? "10000");
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 60000) {
    throw new ConfigurationError(
      "GITHUB_TIMEOUT_MS must be a whole number of milliseconds from 100 to 60000.",
    );
  }
  return {
    environment,
    development: environment === "development",
    githubWebUrl: baseUrl("GITHUB_WEB_URL", env.GITHUB_WEB_URL ?? "https://github.com"),
    githubApiUrl: baseUrl("GITHUB_API_URL", env.GITHUB_API_URL ?? "https://api.github.com"),
    githubClientId: (env.GITHUB_CLIENT_ID ?? "").trim(),
    githubClientSecret: (env.GITHUB_CLIENT_SECRET ?? "").trim(),
    githubScopes: (env.GITHUB_SCOPES ?? "read:user repo").split(/[\s,]+/).filter(Boolean),
    collectEmail: flag("GITHUB_COLLECT_EMAIL", env.GITHUB_COLLECT_EMAIL),
    githubTimeoutMs: timeout,
    recordArgumentValues: flag("SENTRY_RECORD_ARGUMENT_VALUES", env.SENTRY_RECORD_ARGUMENT_VALUES),
    publicUrl: env.PUBLIC_URL?.trim() ? baseUrl("PUBLIC_URL", env.PUBLIC_URL) : undefined,
  };
}

function baseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigurationError(`${name} must be an absolute URL, got "${value}".`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`${name} must be an http(s) URL.`);
  }
  return url.toString().replace(/\/+$/, "");
}

function flag(name: string, value: string | undefined): boolean {
  const v = (value ?? "false").trim().toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0" || v === "") return false;
  throw new ConfigurationError(`${name} must be true or false, got "${value}".`);
}
