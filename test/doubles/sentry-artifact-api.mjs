// A local stand-in for the part of Sentry's web API that `sentry-cli sourcemaps upload` speaks, written from
// sentry-cli's source (src/api/mod.rs, src/utils/file_upload.rs, src/api/data_types/chunking/*):
//
//   GET  /api/0/organizations/{org}/chunk-upload/          chunk upload options (where, how big, gzip or not)
//   POST {options.url}                                      multipart form: one part per chunk, named `file`
//                                                           or `file_gzip`, its filename the chunk's SHA-1
//   POST /api/0/organizations/{org}/artifactbundle/assemble/ {checksum, chunks, projects}: which chunks are
//                                                           missing, then (all there) the bundle is assembled
//
// The assembled artifact bundle is a source bundle (a zip with manifest.json, symbolic's format); this
// double unzips it and keeps every file with the manifest's url, type and headers (debug-id, sourcemap),
// so a test can look a debug ID up the way Sentry does. It records every request it saw.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { gunzipSync, inflateRawSync } from "node:zlib";

const CHUNK_SIZE = 8 * 1024 * 1024;

/** Starts the API on 127.0.0.1 (a free port); `close()` stops it. */
export async function startSentryArtifactApi({ org = "test-org", token = "test-token" } = {}) {
  const chunks = new Map();
  const requests = [];
  const bundles = [];
  let base = "";

  async function handle(request) {
    const url = new URL(request.url);
    requests.push({ method: request.method, path: url.pathname, authorized: isAuthorized(request) });
    if (!isAuthorized(request)) return json({ detail: "Invalid token" }, 401);
    const orgPath = `/api/0/organizations/${org}`;
    if (request.method === "GET" && url.pathname === `${orgPath}/chunk-upload/`) {
      return json({
        url: `${base}${orgPath}/chunk-upload/`,
        chunkSize: CHUNK_SIZE,
        chunksPerRequest: 64,
        maxFileSize: 2 * 1024 * 1024 * 1024,
        maxRequestSize: 32 * 1024 * 1024,
        concurrency: 1,
        hashAlgorithm: "sha1",
        compression: ["gzip"],
        accept: [
          "debug_files",
          "release_files",
          "pdbs",
          "sources",
          "bcsymbolmaps",
          "il2cpp",
          "portablepdbs",
          "artifact_bundles",
        ],
      });
    }
    if (request.method === "POST" && url.pathname === `${orgPath}/chunk-upload/`) {
      const form = await request.formData();
      for (const [field, value] of form.entries()) {
        if (typeof value === "string") return json({ detail: `part ${field} is not a file` }, 400);
        let data = Buffer.from(await value.arrayBuffer());
        if (field === "file_gzip") data = gunzipSync(data);
        else if (field !== "file") return json({ detail: `unknown part ${field}` }, 400);
        const sha1 = createHash("sha1").update(data).digest("hex");
        if (sha1 !== value.name) return json({ detail: `chunk ${value.name} hashes to ${sha1}` }, 400);
        chunks.set(sha1, data);
      }
      return json({});
    }
    if (request.method === "POST" && url.pathname === `${orgPath}/artifactbundle/assemble/`) {
      const body = await request.json();
      const missing = body.chunks.filter((sha1) => !chunks.has(sha1));
      if (missing.length) return json({ state: "not_found", missingChunks: missing });
      const archive = Buffer.concat(body.chunks.map((sha1) => chunks.get(sha1)));
      if (createHash("sha1").update(archive).digest("hex") !== body.checksum) {
        return json({ state: "error", missingChunks: [], detail: "checksum mismatch" });
      }
      if (!bundles.some((bundle) => bundle.checksum === body.checksum)) {
        bundles.push({
          checksum: body.checksum,
          projects: body.projects ?? [],
          ...readSourceBundle(archive),
        });
      }
      return json({ state: "ok", missingChunks: [] });
    }
    return json({ detail: `not implemented by the double: ${request.method} ${url.pathname}` }, 404);
  }

  function isAuthorized(request) {
    return request.headers.get("authorization") === `Bearer ${token}`;
  }

  const server = createServer((req, res) => {
    const body = [];
    req.on("data", (chunk) => body.push(chunk));
    req.on("end", async () => {
      const request = new Request(`${base}${req.url}`, {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([name, value]) =>
          Array.isArray(value) ? value.map((v) => [name, v]) : value === undefined ? [] : [[name, value]],
        ),
        body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(body),
      });
      const response = await handle(request).catch((error) => json({ detail: String(error) }, 500));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;

  return {
    url: base,
    org,
    token,
    requests,
    bundles,
    /** The uploaded file whose manifest headers carry this debug ID and type, as Sentry resolves it. */
    fileByDebugId(debugId, type) {
      for (const bundle of bundles) {
        for (const file of bundle.files) {
          if (file.type === type && file.headers["debug-id"] === debugId) return file;
        }
      }
      return undefined;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function json(value, status = 200) {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

/**
 * A source bundle: a zip archive (possibly after a short header) with `manifest.json` naming each file's
 * url, type and headers. Reads the central directory from the end, so a preamble does not matter.
 */
function readSourceBundle(archive) {
  const entries = readZip(archive);
  const manifestEntry = entries.get("manifest.json");
  if (!manifestEntry) throw new Error("artifact bundle without manifest.json");
  const manifest = JSON.parse(manifestEntry.toString("utf8"));
  const files = Object.entries(manifest.files ?? {}).map(([path, info]) => {
    const content = entries.get(path);
    if (!content) throw new Error(`manifest names ${path}, which the archive lacks`);
    const headers = Object.fromEntries(
      Object.entries(info.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    return { path, url: info.url, type: info.type, headers, content: content.toString("utf8") };
  });
  return { files };
}

function readZip(archive) {
  const eocd = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd === -1) throw new Error("not a zip archive: no end of central directory");
  const count = archive.readUInt16LE(eocd + 10);
  const size = archive.readUInt32LE(eocd + 12);
  const declared = archive.readUInt32LE(eocd + 16);
  const shift = eocd - size - declared;
  const entries = new Map();
  let at = eocd - size;
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== 0x02014b50) throw new Error("bad central directory entry");
    const method = archive.readUInt16LE(at + 10);
    const compressed = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42) + shift;
    const name = archive.toString("utf8", at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const data = archive.subarray(dataStart, dataStart + compressed);
    if (method === 0) entries.set(name, Buffer.from(data));
    else if (method === 8) entries.set(name, inflateRawSync(data));
    else throw new Error(`zip entry ${name} uses compression method ${method}`);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
