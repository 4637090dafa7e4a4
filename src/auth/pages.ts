import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";

/** HTML-escapes text that may come from a client registration or a query string. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}code,.box{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.1rem .3rem}
.box{padding:.75rem 1rem;margin:1rem 0}.warn{border-color:#d4a72c;background:#fff8c5}
button{font:inherit;padding:.5rem 1.2rem;border-radius:6px;border:1px solid #d0d7de;cursor:pointer;margin-right:.5rem}
button.primary{background:#1f883d;color:#fff;border-color:#1f883d}`;

/** Wraps a page body; no script runs on any page, and the CSP says so. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body>${body}</body></html>`;
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

/** The consent page shown before any redirect to GitHub. */
export function consentPage(details: ConsentDescription, handle: string, githubScopes: string[]): string {
  const name = escapeHtml(details.clientName || "An unnamed application");
  const origin = details.clientDomain
    ? `Published by <strong>${escapeHtml(details.clientDomain)}</strong>.`
    : "This application registered itself; its name is not verified.";
  const loopback = details.redirectIsLoopback
    ? `<p class="box warn"><strong>This sends access to an app on your computer.</strong> Continue only if you just started signing in from it.</p>`
    : "";
  const scopes = githubScopes.map((scope) => `<code>${escapeHtml(scope)}</code>`).join(" ");
  return page(
    `Authorize ${details.clientName}`,
    `<h1>Allow ${name} to use GitHub as you?</h1>
<p>${origin}</p>
<div class="box"><div>Access will be sent to: <strong>${escapeHtml(details.redirectHost)}</strong></div>
<div>Redirect URI: <code>${escapeHtml(details.redirectUri)}</code></div>
<div>GitHub permissions asked for: ${scopes || "none"}</div></div>
${loopback}
<p>Next you will sign in with GitHub. ${name} will be able to call this server's tools, which read repositories and issues and can open issues for you.</p>
<form method="post" action="/authorize">
<input type="hidden" name="handle" value="${escapeHtml(handle)}">
<button class="primary" type="submit" name="decision" value="approve">Allow and continue to GitHub</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** A plain error page: a title, what happened, what to do. Never a stack trace or a secret. */
export function errorPage(title: string, message: string, action?: { href: string; label: string }): string {
  const link = action ? `<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>` : "";
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${link}`);
}
