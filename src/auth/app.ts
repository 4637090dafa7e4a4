import {
  AuthorizationError,
  type AuthRequest,
  authorizationErrorRedirect,
  CimdFetchError,
  type OAuthHelpers,
} from "@cloudflare/workers-oauth-provider";
import { Hono } from "hono";
import { html } from "hono/html";
import { type Config, readConfig } from "../config";
import { classifyError, UserInputError } from "../errors";
import { reportError } from "../telemetry/report";
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
      html`<h1>observable-mcp</h1><p>A remote MCP server for GitHub. Connect an MCP client to <code>${new URL(c.req.url).origin}/mcp</code> (Streamable HTTP) or <code>/sse</code>.</p>`,
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
    consentPage(
      details,
      consent.handle,
      config.githubScopes,
      config.githubIsStandIn ? "the local sign-in" : "GitHub",
    ),
    pageHeaders(200, consent.headers),
  );
});

authApp.post("/authorize", async (c) => {
  const config = c.get("config");
  const refusal = signInUnavailable(config);
  if (refusal) return refusal;
  const oauth = c.env.OAUTH_PROVIDER;
  const form = await c.req.formData().catch(() => {
    throw new UserInputError(
      "The consent form was not sent as a form. Start the sign-in again from your MCP client.",
    );
  });
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
  return errorResponse(error, "GitHub sign-in");
});

/**
 * The HTTP edge of the error contract (src/errors.ts decides what is reported and said): a page with
 * the verdict's status and text, and the Event ID when one was sent.
 */
export function errorResponse(error: unknown, what: string): Response {
  const verdict = classifyError(error);
  const reported = reportError(error, verdict, "http");
  const title = verdict.kind === "configuration" ? verdict.title : `${what} failed`;
  const reference = reported ? ` Reference: ${reported.id}` : "";
  return new Response(errorPage(title, `${verdict.text}${reference}`), pageHeaders(verdict.status));
}

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
