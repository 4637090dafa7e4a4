// Readable stack frames in Spotlight during `npm run dev`.
//
// Under `wrangler dev` the Worker runs one bundle, .wrangler/tmp/dev-*/index.js, and every frame the
// Sentry SDK reports points into it. Its source map lies beside it (index.js.map), but Spotlight only
// maps frames whose filename is a URL serving code with an inline map; a local path gets the bundle's
// own lines as context. So the Worker's envelopes reach Spotlight through this forwarder, which maps
// each event frame through the map next to the file the frame names, as Sentry maps a deployed
// bundle's frames through its uploaded map: the frame then names the src/ file, line and column, and
// Spotlight reads that file for the context lines. Dev only: nothing here runs in production.
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, inflateSync } from "node:zlib";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { parseEnvelope, serializeEnvelope } from "@sentry/core";
import { serveFetch } from "./http.mjs";

/** Parsed maps by bundle path, with the bundle's mtime: wrangler rewrites the bundle on every reload. */
const maps = new Map();

function localPath(filename) {
  if (filename.startsWith("file://")) return fileURLToPath(filename);
  return filename.startsWith("/") ? filename : undefined;
}

function mapFor(bundle) {
  let stamp;
  try {
    stamp = statSync(`${bundle}.map`).mtimeMs;
  } catch {
    return undefined;
  }
  const cached = maps.get(bundle);
  if (cached?.stamp === stamp) return cached.map;
  let map;
  try {
    map = new TraceMap(readFileSync(`${bundle}.map`, "utf8"));
  } catch {
    map = undefined;
  }
  maps.set(bundle, { stamp, map });
  return map;
}

/** Maps one Sentry stack frame (1-based line and column) through the map beside its file, in place. */
export function symbolicateFrame(frame) {
  if (!frame || typeof frame.filename !== "string" || !frame.lineno || !frame.colno) return false;
  const bundle = localPath(frame.abs_path ?? frame.filename);
  if (!bundle) return false;
  const map = mapFor(bundle);
  if (!map) return false;
  const position = originalPositionFor(map, { line: frame.lineno, column: frame.colno - 1 });
  if (!position.source || !position.line) return false;
  const source = resolve(dirname(bundle), position.source);
  frame.filename = source;
  frame.abs_path = source;
  frame.lineno = position.line;
  frame.colno = (position.column ?? 0) + 1;
  if (position.name && !frame.function) frame.function = position.name;
  frame.in_app = !source.includes(`${sep}node_modules${sep}`);
  // Context the SDK may have attached came from the bundle; Spotlight reads the source file instead.
  delete frame.pre_context;
  delete frame.context_line;
  delete frame.post_context;
  return true;
}

function stacktracesOf(event) {
  const values = [...(event.exception?.values ?? []), ...(event.threads?.values ?? [])];
  return values.map((value) => value?.stacktrace).filter(Boolean);
}

/** Maps every frame of every event in an envelope; returns how many frames it mapped. */
export function symbolicateEnvelope(envelope) {
  let mapped = 0;
  for (const [header, payload] of envelope[1]) {
    if (header?.type !== "event" || !payload || typeof payload !== "object") continue;
    for (const stacktrace of stacktracesOf(payload)) {
      for (const frame of stacktrace.frames ?? []) if (symbolicateFrame(frame)) mapped += 1;
    }
  }
  return mapped;
}

function decode(body, encoding) {
  if (encoding === "gzip") return gunzipSync(body);
  if (encoding === "deflate") return inflateSync(body);
  return body;
}

/**
 * Listens on a free loopback port and forwards every envelope POSTed to it to `target` (Spotlight's
 * `/stream`), its event frames mapped to the sources. An envelope it cannot parse is forwarded as it
 * came, so nothing is lost for a person to see. Resolves with `{ url, close }`.
 */
export async function startSymbolicatingForwarder(target) {
  return serveFetch(async (request) => {
    if (request.method !== "POST") return new Response("POST envelopes here\n", { status: 405 });
    const raw = Buffer.from(await request.arrayBuffer());
    const encoding = request.headers.get("content-encoding");
    const headers = {
      "content-type": request.headers.get("content-type") ?? "application/x-sentry-envelope",
    };
    let body = raw;
    let envelope;
    try {
      envelope = parseEnvelope(decode(raw, encoding));
    } catch {
      envelope = undefined;
    }
    if (envelope && symbolicateEnvelope(envelope) > 0) body = serializeEnvelope(envelope);
    else if (encoding) headers["content-encoding"] = encoding;
    const answer = await fetch(target, { method: "POST", headers, body });
    return new Response(await answer.arrayBuffer(), {
      status: answer.status,
      headers: { "content-type": answer.headers.get("content-type") ?? "text/plain" },
    });
  });
}
