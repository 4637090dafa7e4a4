import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import * as Sentry from "@sentry/cloudflare";
import { errorResponse } from "./auth/app";
import { providerOptions } from "./auth/provider";
import { type Config, readConfig } from "./config";
import { ConfigurationError } from "./errors";
import { hostSentryOptions, ObservableMcp } from "./mcp/agent";
import { checkOrigin, isMcpPath } from "./mcp/edge";

export { ObservableMcp };

// The provider needs its canonical resource URL at construction, and that is the deployment's
// origin, known from PUBLIC_URL or, failing that, from the request. One provider per origin.
const providers = new Map<string, OAuthProvider<Env>>();

function providerFor(origin: string): OAuthProvider<Env> {
  let provider = providers.get(origin);
  if (!provider) {
    provider = new OAuthProvider<Env>(providerOptions(origin));
    if (providers.size > 8) providers.clear();
    providers.set(origin, provider);
  }
  return provider;
}

export default Sentry.withSentry((env: Env) => hostSentryOptions(env), {
  fetch(request, env, ctx) {
    let config: Config;
    try {
      config = readConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      // The operator's to fix: reported once per isolate, and the page names the setting, not its value.
      return errorResponse(error, "This request");
    }
    const url = new URL(request.url);
    // DNS rebinding: refused before the token is even looked at, let alone the Durable Object.
    if (isMcpPath(url.pathname)) {
      const refusal = checkOrigin(request, config);
      if (refusal) return refusal;
    }
    return providerFor(config.publicUrl ?? url.origin).fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>);
