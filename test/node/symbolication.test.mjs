// `npm run deploy` end to end, short of Cloudflare: the minified build gets a debug ID, its source maps go to
// a local stand-in of Sentry's artifact API through the real sentry-cli, and a stack trace the real Sentry
// SDK sends from that very bundle resolves, by debug ID, through the uploaded map to the right src/ lines.
// Runs in Node (it builds, spawns sentry-cli and starts workerd), so it has its own vitest config.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { parseEnvelope, serializeEnvelope } from "@sentry/core";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debugIdOf, ROOT } from "../../scripts/lib/bundle.mjs";
import { serveFetch } from "../../scripts/lib/http.mjs";
import { startSymbolicatingForwarder } from "../../scripts/lib/symbolicate.mjs";
import { startSentryArtifactApi } from "../doubles/sentry-artifact-api.mjs";

const DIST = join(ROOT, "dist");
const SENTRY_NAMES = ["SENTRY_AUTH_TOKEN", "SENTRY_ORG", "SENTRY_PROJECT", "SENTRY_URL"];

/** Runs `npm run deploy -- --dry-run` (scripts/deploy.mjs) with these Sentry settings and no others. */
function deploy(settings) {
  const env = { ...process.env, ...settings };
  for (const name of SENTRY_NAMES) if (!(name in settings)) delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "scripts", "deploy.mjs"), "--dry-run"],
      { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/** The 1-based line of `src/<file>` where `text` first occurs after `after` (so the test names code, not numbers). */
function lineOf(file, text, after = "") {
  const source = readFileSync(join(ROOT, file), "utf8");
  const at = source.indexOf(text, after ? source.indexOf(after) : 0);
  if (at === -1) throw new Error(`${file} no longer contains ${text}`);
  return source.slice(0, at).split("\n").length;
}

/** Runs the built bundle in workerd with a DSN; resolves with the first Sentry event it sends. */
async function firstEventFrom(script, bindings, path) {
  let arrived;
  const event = new Promise((resolve) => {
    arrived = resolve;
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      scriptPath: script,
      modulesRoot: DIST,
      compatibilityDate: "2026-08-01",
      compatibilityFlags: ["nodejs_compat"],
      bindings: { SENTRY_DSN: "http://public@sentry.test/1", ...bindings },
      outboundService: async (request) => {
        let body = Buffer.from(await request.arrayBuffer());
        if (request.headers.get("content-encoding") === "gzip") body = gunzipSync(body);
        const lines = body.toString("utf8").split("\n");
        for (let i = 1; i < lines.length - 1; i++) {
          if (JSON.parse(lines[i] || "{}").type === "event") arrived(JSON.parse(lines[i + 1]));
        }
        return new Response("{}", { status: 200 });
      },
      handleStructuredLogs: () => {},
    }),
  );
  try {
    const response = await mf.dispatchFetch(`https://worker.test${path}`);
    await response.arrayBuffer();
    return { status: response.status, event: await event };
  } finally {
    await mf.dispose();
  }
}

describe("npm run deploy with SENTRY_AUTH_TOKEN: source maps reach Sentry, and a minified frame resolves", () => {
  let api;
  let deployed;
  beforeAll(async () => {
    api = await startSentryArtifactApi({ org: "acme", token: "sntrys-test-token" });
    deployed = await deploy({
      SENTRY_AUTH_TOKEN: api.token,
      SENTRY_ORG: api.org,
      SENTRY_PROJECT: "observable-mcp",
      SENTRY_URL: api.url,
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("builds minified, injects one debug ID, uploads bundle and map under it, then deploys that file", () => {
    expect(deployed.output).toContain("source maps uploaded to Sentry (acme/observable-mcp");
    expect(deployed.code).toBe(0);
    // The final `wrangler deploy --no-bundle dist/index.js` ran (a dry run here) on the injected file.
    expect(deployed.output).toContain("--dry-run: exiting now.");
    const code = readFileSync(join(DIST, "index.js"), "utf8");
    const debugId = debugIdOf(code);
    expect(debugId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Minified: a few long lines, not one line per statement.
    expect(code.split("\n").length).toBeLessThan(2_000);
    expect(JSON.parse(readFileSync(join(DIST, "index.js.map"), "utf8")).debugId).toBe(debugId);

    expect(api.requests.every((request) => request.authorized)).toBe(true);
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toContain(
      "POST /api/0/organizations/acme/artifactbundle/assemble/",
    );
    expect(api.bundles).toHaveLength(1);
    expect(api.bundles[0]?.projects).toEqual(["observable-mcp"]);
    const minified = api.fileByDebugId(debugId, "minified_source");
    expect(minified?.content).toBe(code);
    expect(minified?.headers.sourcemap).toBe("index.js.map");
    expect(api.fileByDebugId(debugId, "source_map")).toBeDefined();
  });

  it("is within the 560 KiB gzip budget, without the dead weight wrangler.jsonc's alias cuts", () => {
    expect(gzipSync(readFileSync(join(DIST, "index.js"))).byteLength).toBeLessThanOrEqual(560 * 1024);
    const sources = JSON.parse(readFileSync(join(DIST, "index.js.map"), "utf8")).sources;
    const bundled = (pattern) => sources.filter((source) => pattern.test(source));
    // A real package path is in the map whenever its code is in the bundle: the check can fail.
    expect(bundled(/node_modules\/zod\/(src\/)?v4\/locales\/en\./)).not.toEqual([]);
    expect(bundled(/node_modules\/zod\/(src\/)?v4\/locales\/(?!en\.)/)).toEqual([]);
    expect(bundled(/node_modules\/(ajv|ajv-formats|fast-uri)\//)).toEqual([]);
    expect(bundled(/node_modules\/(mimetext|mime-db|mime-types)\//)).toEqual([]);
    expect(bundled(/node_modules\/@modelcontextprotocol\/(server|client|core)\//)).toEqual([]);
  });

  it("a stack trace the SDK sends from the minified bundle resolves to src/config.ts and src/index.ts", async () => {
    const script = join(DIST, "index.js");
    // A malformed setting: readConfig throws a ConfigurationError, the Worker reports it and answers 503.
    const { status, event } = await firstEventFrom(
      script,
      { ENVIRONMENT: "production", GITHUB_TIMEOUT_MS: "soon" },
      "/",
    );
    expect(status).toBe(503);
    const exception = event.exception?.values?.at(-1);
    expect(exception?.type).toBe("ConfigurationError");
    const frames = exception?.stacktrace?.frames ?? [];
    // Sentry pairs a frame with a map through debug_meta: the image for the frame's file names the debug ID.
    const top = frames.at(-1);
    expect(top?.function).toBe("readConfig"); // keep_names: readable even before symbolication
    const image = event.debug_meta?.images?.find((candidate) => candidate.code_file === top?.abs_path);
    const debugId = debugIdOf(readFileSync(script, "utf8"));
    expect(image).toEqual({ type: "sourcemap", code_file: top?.abs_path, debug_id: debugId });

    // Symbolicate as Sentry does: the uploaded map for that debug ID, at each frame's 1-based line and column.
    const uploaded = api.fileByDebugId(image.debug_id, "source_map");
    const map = new TraceMap(uploaded.content);
    const resolved = frames.map((frame) => {
      const position = originalPositionFor(map, { line: frame.lineno, column: frame.colno - 1 });
      const at = position.source?.lastIndexOf("src/") ?? -1;
      return { file: at === -1 ? position.source : position.source.slice(at), line: position.line };
    });
    expect(resolved.at(-1)).toEqual({
      file: "src/config.ts",
      line: lineOf("src/config.ts", "throw new ConfigurationError(", "GITHUB_TIMEOUT_MS"),
    });
    expect(resolved.at(-2)).toEqual({
      file: "src/index.ts",
      line: lineOf("src/index.ts", "config = readConfig(env);"),
    });
  });
});

describe("npm run dev: the forwarder in front of Spotlight maps the bundle's frames to src/", () => {
  it("forwards a gzipped envelope with its event frames naming src/ files, lines and columns", async () => {
    // The deploy above left dist/index.js with dist/index.js.map beside it, as wrangler dev leaves
    // .wrangler/tmp/dev-*/index.js with its map.
    const script = join(DIST, "index.js");
    const { event } = await firstEventFrom(
      script,
      { ENVIRONMENT: "production", GITHUB_TIMEOUT_MS: "soon" },
      "/",
    );
    const before = event.exception?.values?.at(-1)?.stacktrace?.frames?.at(-1);
    expect(before?.abs_path ?? before?.filename).toContain("index.js");

    const received = [];
    const spotlight = await serveFetch(async (request) => {
      received.push({ encoding: request.headers.get("content-encoding"), body: await request.text() });
      return new Response(null, { status: 200 });
    });
    const forwarder = await startSymbolicatingForwarder(`${spotlight.url}/stream`);
    try {
      const body = gzipSync(serializeEnvelope([{ event_id: event.event_id }, [[{ type: "event" }, event]]]));
      const answer = await fetch(`${forwarder.url}/stream`, {
        method: "POST",
        headers: { "content-type": "application/x-sentry-envelope", "content-encoding": "gzip" },
        body,
      });
      expect(answer.status).toBe(200);
    } finally {
      await forwarder.close();
      await spotlight.close();
    }
    expect(received).toHaveLength(1);
    expect(received[0].encoding).toBeNull();
    const [, [[, forwarded]]] = parseEnvelope(received[0].body);
    const frames = forwarded.exception.values.at(-1).stacktrace.frames;
    expect(frames.at(-1)).toMatchObject({
      filename: join(ROOT, "src/config.ts"),
      lineno: lineOf("src/config.ts", "throw new ConfigurationError(", "GITHUB_TIMEOUT_MS"),
      in_app: true,
    });
    expect(frames.at(-2)).toMatchObject({
      filename: join(ROOT, "src/index.ts"),
      lineno: lineOf("src/index.ts", "config = readConfig(env);"),
    });
  });

  it("forwards an envelope it cannot read unchanged, encoding included", async () => {
    const received = [];
    const spotlight = await serveFetch(async (request) => {
      received.push({
        encoding: request.headers.get("content-encoding"),
        body: Buffer.from(await request.arrayBuffer()),
      });
      return new Response(null, { status: 200 });
    });
    const forwarder = await startSymbolicatingForwarder(`${spotlight.url}/stream`);
    const garbage = gzipSync("not an envelope");
    try {
      await fetch(`${forwarder.url}/stream`, {
        method: "POST",
        headers: { "content-encoding": "gzip" },
        body: garbage,
      });
    } finally {
      await forwarder.close();
      await spotlight.close();
    }
    expect(received).toEqual([{ encoding: "gzip", body: garbage }]);
  });
});

describe("npm run deploy without SENTRY_AUTH_TOKEN", () => {
  it("deploys and says in one line that the source maps were not uploaded, and why", async () => {
    const api = await startSentryArtifactApi();
    try {
      const { code, output } = await deploy({ SENTRY_URL: api.url });
      expect(code).toBe(0);
      const lines = output.split("\n").filter((line) => line.includes("NOT uploaded"));
      expect(lines).toEqual([
        "deploy: source maps NOT uploaded to Sentry: SENTRY_AUTH_TOKEN is not set (set it with SENTRY_ORG and SENTRY_PROJECT to get readable stack traces)",
      ]);
      expect(output).toContain("--dry-run: exiting now.");
      expect(api.requests).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it("with a token but no org or project, stops before building and names what is missing", async () => {
    const { code, output } = await deploy({ SENTRY_AUTH_TOKEN: "sntrys-test-token" });
    expect(code).toBe(1);
    expect(output).toContain("SENTRY_ORG and SENTRY_PROJECT are not set");
    expect(output).toContain("Nothing was deployed.");
    expect(output).not.toContain("building");
  });
});

describe("the bundle's stand-ins (build/) fail loudly if the code they replace is ever reached", () => {
  it("ajv, ajv-formats and mimetext throw an error that names the stand-in", async () => {
    const { default: Ajv } = await import("../../build/ajv.js");
    const { default: addFormats } = await import("../../build/ajv-formats.js");
    const { createMimeMessage } = await import("../../build/mimetext.js");
    expect(() => new Ajv()).toThrow(/build\/ajv\.js.*CfWorkerJsonSchemaValidator/);
    expect(() => addFormats()).toThrow(/build\/ajv\.js/);
    expect(() => createMimeMessage()).toThrow(/build\/mimetext\.js/);
  });

  it("the MCP SDK v2 classes construct to an error and never match instanceof; its functions throw", async () => {
    const server = await import("../../build/mcp-server.js");
    const client = await import("../../build/mcp-client/index.js");
    expect(() => new server.McpServer()).toThrow("McpServer (MCP SDK v2) is not in the Worker bundle");
    expect(() => new client.Client()).toThrow("Client (MCP SDK v2) is not in the Worker bundle");
    expect(() => server.createMcpHandler()).toThrow(
      "createMcpHandler (MCP SDK v2) is not in the Worker bundle",
    );
    expect({} instanceof server.McpServer).toBe(false);
    class Transport extends client.StreamableHTTPClientTransport {}
    expect(() => new Transport()).toThrow(/StreamableHTTPClientTransport/);
  });

  it("the v2 client's Workers validator, which agents builds at load, is the v1 SDK's working one", async () => {
    const { CfWorkerJsonSchemaValidator } = await import("../../build/mcp-client/validators/cf-worker.js");
    const validate = new CfWorkerJsonSchemaValidator({ draft: "7" }).getValidator({
      type: "object",
      properties: { n: { type: "number" } },
      required: ["n"],
    });
    expect(validate({ n: 1 }).valid).toBe(true);
    expect(validate({ n: "one" }).valid).toBe(false);
  });

  it("zod's root z has what agents reads and refuses the rest; named exports are zod's own", async () => {
    const shim = await import("../../build/zod.js");
    const real = await import("zod/v4");
    expect(shim.z.fromJSONSchema).toBe(real.fromJSONSchema);
    expect(() => shim.z.object).toThrow(/z\.object is not in the Worker bundle's zod/);
    expect(shim.ZodOptional).toBe(real.ZodOptional);
    expect(shim.object).toBe(real.object);
  });
});
