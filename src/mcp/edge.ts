import type { GrantProps } from "../auth/props";
import { recordTransportRejection, type TransportRejection } from "../telemetry/rejections";

/**
 * What the Worker checks in front of the MCP Durable Object, before any request reaches it:
 * Origin and Host (DNS rebinding), that a session id is used only by the user and OAuth client that
 * opened the session, and the transport rules `agents` does not enforce itself. Everything else
 * (Accept, Content-Type, protocol versions on GET/DELETE, unknown sessions) `agents` already answers.
 */

/** Where the MCP transports live; every path below them is guarded too. */
const MCP_PATHS = ["/mcp", "/sse"];

/** True for the MCP transport routes (and their message endpoints). */
export function isMcpPath(pathname: string): boolean {
  return MCP_PATHS.some((base) => pathname === base || pathname.startsWith(`${base}/`));
}

/** Which origins and hosts may reach the MCP routes. */
export interface OriginPolicy {
  /** The deployment's public origin (PUBLIC_URL), when configured. */
  publicUrl: string | undefined;
  /** Development: loopback hosts and origins only, unless PUBLIC_URL names another. */
  development: boolean;
  /** Extra origins the operator allows (MCP_ALLOWED_ORIGINS), normalised. */
  allowedOrigins: readonly string[];
}

const LOOPBACK_HOSTNAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The transport specification's DNS-rebinding rule: a browser page on another site must not drive
 * this server. Answers 403 (JSON-RPC error body) for a Host that is not the deployment's or an
 * Origin that is present and not allowed; undefined when the request may go on.
 */
export function checkOrigin(request: Request, policy: OriginPolicy): Response | undefined {
  const url = new URL(request.url);
  const host = (request.headers.get("host") ?? url.host).toLowerCase();
  if (!hostAllowed(host, policy)) {
    return reject(request, "host", 403, "Forbidden: this server does not answer for that Host.", {
      host: hostnameOf(host),
    });
  }
  const origin = request.headers.get("origin");
  if (origin === null) return undefined; // Not a browser: nothing to rebind.
  const normalised = normaliseOrigin(origin);
  if (normalised && originAllowed(normalised, `${url.protocol}//${host}`, policy)) return undefined;
  return reject(
    request,
    "origin",
    403,
    "Forbidden: Origin not allowed. The operator can allow it with MCP_ALLOWED_ORIGINS.",
    { host: normalised ? new URL(normalised).hostname : "invalid" },
  );
}

function hostAllowed(host: string, policy: OriginPolicy): boolean {
  if (policy.publicUrl && new URL(policy.publicUrl).host === host) return true;
  // A rebound hostname that resolves to a local dev server arrives with its own Host: only the
  // loopback names can be this machine's.
  if (policy.development) return LOOPBACK_HOSTNAMES.has(hostnameOf(host));
  // Deployed without PUBLIC_URL: Cloudflare routes by hostname, so whatever Host arrived is one of ours.
  return policy.publicUrl === undefined;
}

function originAllowed(origin: string, ownOrigin: string, policy: OriginPolicy): boolean {
  if (policy.allowedOrigins.includes(origin)) return true;
  if (policy.publicUrl) {
    if (new URL(policy.publicUrl).origin === origin) return true;
  } else if (!policy.development && normaliseOrigin(ownOrigin) === origin) {
    return true;
  }
  if (policy.development) {
    const { protocol, hostname } = new URL(origin);
    return (protocol === "http:" || protocol === "https:") && LOOPBACK_HOSTNAMES.has(hostname);
  }
  return false;
}

/** `scheme://host[:port]` in URL's canonical form, or undefined for `null` and anything not an origin. */
export function normaliseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

function hostnameOf(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  return host.split(":")[0] ?? host;
}

/** The transport an MCP route serves, as telemetry names it. */
type McpTransport = "streamable-http" | "sse";

interface McpHandler {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}

/** What the OAuth provider puts in the execution context of an API request. */
interface ProviderContext {
  props?: GrantProps;
  auth?: { userId?: string; clientId?: string };
}

/**
 * Wraps an `agents` MCP handler so that every session is bound to the user and OAuth client that
 * opened it. A session id is `<owner tag><random>`: the tag is a hash of the GitHub user id and the
 * OAuth client id the provider verified for the token, so it can be checked here with no lookup, and
 * a request whose token belongs to anyone else gets the same 404 as an unknown session, before the
 * Durable Object is addressed. The Durable Object is named after the whole id, so no id without the
 * right tag can reach another user's object.
 */
export function bindSessions(transport: McpTransport, handler: McpHandler): McpHandler {
  return {
    async fetch(request, env, ctx) {
      const owner = await ownerTag(ctx as unknown as ProviderContext);
      const url = new URL(request.url);
      const sessionId =
        transport === "streamable-http"
          ? request.headers.get("mcp-session-id")
          : url.searchParams.get("sessionId");
      if (sessionId !== null && !isOwnedBy(sessionId, owner)) {
        return transport === "streamable-http"
          ? reject(request, "session", 404, "Session not found", {}, -32001)
          : reject(request, "session", 404, "Session not found", {}, null);
      }
      let forwarded = request;
      // A body over agents' 4 MiB limit is not read here: agents answers it with 413 unread.
      const declared = Number(request.headers.get("content-length") ?? "0");
      if (transport === "streamable-http" && request.method === "POST" && !(declared > MAX_MESSAGE_BYTES)) {
        const body = await request.text();
        const refusal = checkBatch(request, body);
        if (refusal) return refusal;
        forwarded = new Request(request, { body });
      }
      return handler.fetch(forwarded, { ...env, MCP_OBJECT: bindNamespace(env.MCP_OBJECT, owner) }, ctx);
    },
  };
}

/** agents' own limit on a Streamable HTTP POST body (MAXIMUM_MESSAGE_SIZE_BYTES). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Hex characters of the owner tag and of the random part of a session id. */
const TAG_LENGTH = 32;
const SESSION_ID = /^[0-9a-f]{64}$/;

function isOwnedBy(sessionId: string, owner: string): boolean {
  return SESSION_ID.test(sessionId) && sessionId.startsWith(owner);
}

async function ownerTag(ctx: ProviderContext): Promise<string> {
  // The provider's own record of the token comes first; the grant's props carry the same ids.
  const userId = ctx.auth?.userId ?? (ctx.props ? String(ctx.props.githubId) : undefined);
  const clientId = ctx.auth?.clientId ?? ctx.props?.clientId;
  if (!userId || !clientId) throw new Error("An MCP request reached the session guard without a grant.");
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`observable-mcp session owner\0${userId}\0${clientId}`),
  );
  return hex(new Uint8Array(digest)).slice(0, TAG_LENGTH);
}

/**
 * `agents` names a new session `namespace.newUniqueId().toString()` (Streamable HTTP initialize and a
 * new legacy SSE stream alike); this namespace hands it ids that carry the owner's tag. Should a
 * future `agents` mint ids another way, they carry no tag and the guard refuses every follow-up
 * request: it fails closed, and the session tests fail loudly.
 */
function bindNamespace(namespace: Env["MCP_OBJECT"], owner: string): Env["MCP_OBJECT"] {
  const newUniqueId = (): DurableObjectId => {
    const random = hex(crypto.getRandomValues(new Uint8Array((64 - TAG_LENGTH) / 2)));
    const sessionId = `${owner}${random}`;
    // Only its text is used: the object itself is addressed by name (idFromName), never by this id.
    return { toString: () => sessionId, equals: () => false } as unknown as DurableObjectId;
  };
  const bound: Pick<
    Env["MCP_OBJECT"],
    "newUniqueId" | "idFromName" | "idFromString" | "get" | "jurisdiction"
  > = {
    newUniqueId,
    idFromName: (name) => namespace.idFromName(name),
    idFromString: (id) => namespace.idFromString(id),
    get: (id, options) => namespace.get(id, options),
    jurisdiction: (jurisdiction) => bindNamespace(namespace.jurisdiction(jurisdiction), owner),
  };
  return bound as Env["MCP_OBJECT"];
}

/** The first protocol version without JSON-RPC batching. */
const NO_BATCH_SINCE = "2025-06-18";

/**
 * JSON-RPC batches: `initialize` never comes in one (a session must start with exactly one message),
 * an empty batch is invalid, and protocol versions from 2025-06-18 have no batching at all. Without an
 * MCP-Protocol-Version header a server assumes 2025-03-26, which still had it.
 */
function checkBatch(request: Request, body: string): Response | undefined {
  if (!body.trimStart().startsWith("[")) return undefined;
  let messages: unknown;
  try {
    messages = JSON.parse(body);
  } catch {
    return undefined; // agents answers a parse error itself.
  }
  if (!Array.isArray(messages)) return undefined;
  if (messages.length === 0) {
    return reject(request, "batch", 400, "Invalid Request: an empty batch", {}, -32600);
  }
  if (messages.some((message) => (message as { method?: unknown } | null)?.method === "initialize")) {
    return reject(
      request,
      "batch",
      400,
      "Invalid Request: initialize must be sent alone, not in a batch",
      {},
      -32600,
    );
  }
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && version >= NO_BATCH_SINCE) {
    return reject(
      request,
      "batch",
      400,
      `Invalid Request: protocol version ${version.slice(0, 16)} has no JSON-RPC batches; send one message per request`,
      {},
      -32600,
    );
  }
  return undefined;
}

/** Answers a refused request (a JSON-RPC error body, or plain text with `code` null) and counts it. */
function reject(
  request: Request,
  reason: TransportRejection,
  status: number,
  message: string,
  detail: { host?: string },
  code: number | null = -32000,
): Response {
  recordTransportRejection({
    reason,
    status,
    route: new URL(request.url).pathname.startsWith("/sse") ? "sse" : "mcp",
    ...detail,
  });
  if (code === null) {
    return new Response(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status });
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
