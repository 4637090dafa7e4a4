import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { html, raw } from "hono/html";

/** Markup built with hono's `html` template: every interpolated value is escaped unless it is markup too. */
type Markup = ReturnType<typeof html>;

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}code,.box{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.1rem .3rem}
.box{padding:.75rem 1rem;margin:1rem 0}.warn{border-color:#d4a72c;background:#fff8c5}
button{font:inherit;padding:.5rem 1.2rem;border-radius:6px;border:1px solid #d0d7de;cursor:pointer;margin-right:.5rem}
button.primary{background:#1f883d;color:#fff;border-color:#1f883d}`;

/** Wraps a page body; no script runs on any page, and the CSP says so. */
export function page(title: string, body: Markup): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>
<style>${raw(STYLE)}</style></head><body>${body}</body></html>`.toString();
}

/** Headers for every HTML page we render ourselves. */
export function pageHeaders(status = 200, extra?: Headers): ResponseInit {
  const headers = new Headers(extra);
  headers.set("Content-Type", "text/html; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  headers.set("X-Frame-Options", "DENY");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "no-referrer");
  headers.set(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https: http:; frame-ancestors 'none'",
  );
  return { status, headers };
}

/**
 * The consent page shown before any redirect to GitHub. `signInAt` names where the button leads:
 * GitHub, or the local stand-in in development.
 */
export function consentPage(
  details: ConsentDescription,
  handle: string,
  githubScopes: string[],
  signInAt = "GitHub",
): string {
  const name = details.clientName || "An unnamed application";
  const origin = details.clientDomain
    ? html`Published by <strong>${details.clientDomain}</strong>.`
    : "This application registered itself; its name is not verified.";
  const loopback = details.redirectIsLoopback
    ? html`<p class="box warn"><strong>This sends access to an app on your computer.</strong> Continue only if you just started signing in from it.</p>`
    : "";
  const scopes = githubScopes.length > 0 ? githubScopes.map((scope) => html`<code>${scope}</code> `) : "none";
  return page(
    `Authorize ${name}`,
    html`<h1>Allow ${name} to use GitHub as you?</h1>
<p>${origin}</p>
<div class="box"><div>Access will be sent to: <strong>${details.redirectHost}</strong></div>
<div>Redirect URI: <code>${details.redirectUri}</code></div>
<div>GitHub permissions asked for: ${scopes}</div></div>
${loopback}
<p>Next you will sign in with ${signInAt}. ${name} will be able to call this server's tools, which read repositories and issues and can open issues for you.</p>
<form method="post" action="/authorize">
<input type="hidden" name="handle" value="${handle}">
<button class="primary" type="submit" name="decision" value="approve">Allow and continue to ${signInAt}</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** A plain error page: a title, what happened, what to do. Never a stack trace or a secret. */
export function errorPage(title: string, message: string, action?: { href: string; label: string }): string {
  const link = action ? html`<p><a href="${action.href}">${action.label}</a></p>` : "";
  return page(title, html`<h1>${title}</h1><p>${message}</p>${link}`);
}
