import { getOAuthApi, type OAuthProviderOptions } from "@cloudflare/workers-oauth-provider";
import { ObservableMcp } from "../mcp/agent";
import { bindSessions } from "../mcp/edge";
import { authApp } from "./app";

/** Scopes a client can ask this server for; the GitHub scopes are configured separately. */
const SCOPES = ["mcp"];

/**
 * The OAuth provider's options for a deployment served at `origin`, shared by the Worker (which
 * serves with them) and the Durable Object (which revokes grants with them). A function, not a
 * constant: it refers to ObservableMcp, whose module imports this one.
 */
export function providerOptions(origin: string): OAuthProviderOptions<Env> {
  return {
    apiHandlers: {
      // Each session is usable only with a token of the user and client that opened it.
      "/mcp": bindSessions("streamable-http", ObservableMcp.serve("/mcp")),
      "/sse": bindSessions("sse", ObservableMcp.serveSSE("/sse")),
    },
    defaultHandler: authApp,
    authorizeEndpoint: "/authorize",
    tokenEndpoint: "/token",
    clientRegistrationEndpoint: "/register",
    scopesSupported: SCOPES,
    // The origin covers both /mcp and /sse: one resource, one token audience.
    resourceMetadata: { resource: origin, resource_name: "observable-mcp (GitHub)" },
  };
}

/**
 * Any origin will do for grant administration: the origin only shapes the options' resource
 * metadata, and grants are stored by user and grant id (`grant:{userId}:{grantId}`), not by resource.
 * The Durable Object that needs it does not know the request's origin.
 */
const GRANT_ADMIN_ORIGIN = "https://grant-admin.invalid";

/**
 * Revokes every grant `userId` gave `clientId`, with its tokens, through the provider: the next
 * request with any of them gets 401 and the client signs in afresh. The user's grants to other
 * clients stay. Returns how many grants were revoked.
 */
export async function revokeClientGrants(env: Env, userId: string, clientId: string): Promise<number> {
  const api = getOAuthApi(providerOptions(GRANT_ADMIN_ORIGIN), env);
  // List them all first: deleting while paging through a KV listing can skip keys.
  const doomed: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.listUserGrants(userId, cursor === undefined ? {} : { cursor });
    for (const grant of page.items) if (grant.clientId === clientId) doomed.push(grant.id);
    cursor = page.cursor;
  } while (cursor !== undefined);
  for (const grantId of doomed) await api.revokeGrant(grantId, userId);
  return doomed.length;
}
