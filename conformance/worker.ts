// The conformance profile: the production Worker front (OAuth provider, auth app, /mcp and /sse) and
// the production McpAgent host, serving the conformance suite's fixture catalog instead of ours.
// Only the profile config scripts/conformance.mjs writes (from wrangler.jsonc) points here;
// `npm run deploy` never bundles it.
import * as Sentry from "@sentry/cloudflare";
import { hostSentryOptions, ObservableMcpBase } from "../src/mcp/agent";
import type { Catalog } from "../src/mcp/register";

import { conformanceCatalog } from "./fixtures";

export { default } from "../src/index";

class ConformanceMcpHost extends ObservableMcpBase {
  protected override catalog(): Catalog {
    return conformanceCatalog;
  }
}

/** Bound as MCP_OBJECT in this profile, where the front's McpAgent.serve() looks for it. */
export const ConformanceMcp = Sentry.instrumentDurableObjectWithSentry(
  (env: Env) => hostSentryOptions(env),
  ConformanceMcpHost,
);
