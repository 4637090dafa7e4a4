import {
  AuthorizationError,
  type AuthRequest,
  authorizationErrorRedirect,
  CimdFetchError,
  type OAuthHelpers,
} from "@cloudflare/workers-oauth-provider";
import * as Sentry from "@sentry/cloudflare";
import { Hono } from "hono";
import { type Config, readConfig } from "../config";
import { ConfigurationError, UpstreamError, UserInputError } from "../errors";
import { challengeFor, createVerifier, exchangeCode, githubAuthorizeUrl } from "./github-oauth";
import { consentPage, errorPage, page, pageHeaders } from "./pages";
import { grantPropsFor } from "./props";

type Bindings = Env & { OAUTH_PROVIDER: OAuthHelpers };
type AppEnv = { Bindings: Bindings; Variables: { config: Config } };

/** Data kept server-side between the redirect to GitHub and the callback (encrypted by the provider). */
interface UpstreamData {
  verifier: string;
}

/**
 * The browser-facing half of sign-in: our consent page, then the GitHub OAuth dance. The OAuth
 * provider in front owns /token, /register and discovery; everything else lands here.
 */
export const authApp = new Hono<AppEnv>();

authApp.use("*", async (c, next) => {
  c.set("config", readConfig(c.env));
  await next();
});

authApp.get("/", (c) =>
  c.html(
    page(
      "observable-mcp",
      `<h1>observable-mcp</h1><p>A remote MCP server for GitHub. Connect an MCP client to <code>${new URL(c.req.url).origin}/mcp</code> (Streamable HTTP) or <code>/sse</code>.</p>`,
    ),
  ),
);

authApp.get("/authorize", async (c) => {
  const config = c.get("config");
  const refusal = signInUnavailable(config);
  if (refusal) return refusal;
  const oauth = c.env.OAUTH_PROVIDER;
  const request = await oauth.parseAuthRequest(c.req.raw);
  const details = await oauth.describeConsent(request);
  const consent = await oauth.beginConsent(request);
  return new Response(
    consentPage(details, consent.handle, config.githubScopes),
    pageHeaders(200, consent.headers),
  );
});

authApp.post("/authorize", async (c) => {
  const config = c.get("config");
  const refusal = signInUnavailable(config);
  if (refusal) return refusal;
  const oauth = c.env.OAUTH_PROVIDER;
  const form = await c.req.formData();
  const handle = String(form.get("handle") ?? "");
  if (form.get("decision") !== "approve") {
    const denied = await oauth.denyConsent(c.req.raw, handle);
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const approved = await oauth.approveConsent(c.req.raw, handle);
  const verifier = createVerifier();
  const { state, headers } = await oauth.beginUpstream(approved.request, {
    data: { verifier } satisfies UpstreamData,
    headers: approved.headers,
  });
  headers.set(
    "Location",
    githubAuthorizeUrl(config, {
      redirectUri: callbackUrl(config, c.req.url),
      state,
      codeChallenge: await challengeFor(verifier),
    }),
  );
  return new Response(null, { status: 302, headers });
});

authApp.get("/callback", async (c) => {
  const config = c.get("config");
  const oauth = c.env.OAUTH_PROVIDER;
  const upstream = await oauth.finishUpstream<UpstreamData>(c.req.raw);
  const original: AuthRequest = upstream.request;
  const params = new URL(c.req.url).searchParams;
  if (params.get("error")) {
    const back = authorizationErrorRedirect(original, "access_denied", "The user declined on GitHub.");
    return new Response(
      errorPage("Sign-in cancelled", "GitHub sign-in was declined, so the application was not connected.", {
        href: back,
        label: "Return to the application",
      }),
      pageHeaders(403, upstream.headers),
    );
  }
  const code = params.get("code");
  if (!code) throw new UserInputError("GitHub did not send a sign-in code. Start the sign-in again.");

  const signIn = await exchangeCode(config, {
    code,
    verifier: upstream.data.verifier,
    redirectUri: callbackUrl(config, c.req.url),
  });
  const props = grantPropsFor(signIn, original.clientId, config.collectEmail);
  const { redirectTo } = await oauth.completeAuthorization({
    request: original,
    userId: String(signIn.user.id),
    metadata: { label: signIn.user.login },
    scope: original.scope,
    props,
  });
  upstream.headers.set("Location", redirectTo);
  return new Response(null, { status: 302, headers: upstream.headers });
});

authApp.notFound(() => new Response(errorPage("Not found", "There is nothing here."), pageHeaders(404)));

authApp.onError((error) => {
  if (error instanceof AuthorizationError) {
    if (error.redirectTo) return Response.redirect(error.redirectTo, 302);
    return new Response(
      errorPage("This sign-in cannot continue", `${error.description} Start again from your MCP client.`),
      pageHeaders(400),
    );
  }
  if (error instanceof CimdFetchError) {
    return new Response(
      errorPage("Unknown application", "This application could not be verified."),
      pageHeaders(400),
    );
  }
  if (error instanceof UserInputError) {
    return new Response(errorPage("Sign-in failed", error.message), pageHeaders(400));
  }
  if (error instanceof UpstreamError) {
    if (!error.expected) Sentry.captureException(error);
    return new Response(errorPage("GitHub sign-in failed", error.hint), pageHeaders(502));
  }
  if (error instanceof ConfigurationError) {
    // The operator's to fix, and the message names only settings, never their secret values.
    Sentry.captureException(error);
    return new Response(errorPage("This server is misconfigured", error.message), pageHeaders(503));
  }
  const eventId = Sentry.captureException(error);
  return new Response(
    errorPage("Something went wrong", `The sign-in failed on our side. Reference: ${eventId}`),
    pageHeaders(500),
  );
});

/** With no GitHub OAuth app configured, sign-in cannot work: say so instead of redirecting anywhere. */
function signInUnavailable(config: Config): Response | undefined {
  if (config.githubClientId && config.githubClientSecret) return undefined;
  return new Response(
    errorPage(
      "Sign-in is not configured",
      "This server has no GitHub OAuth app: the operator must set the GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET secrets.",
    ),
    pageHeaders(503),
  );
}

function callbackUrl(config: Config, requestUrl: string): string {
  return `${config.publicUrl ?? new URL(requestUrl).origin}/callback`;
}
