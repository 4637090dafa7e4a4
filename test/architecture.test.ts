// The layout is the architecture (issue 8 items 1-2): these rules fail the suite when an import or a
// touch of the MCP SDK's private fields crosses a boundary. Sources are read as text, not run.
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>("../src/**/*.ts", { query: "?raw", import: "default", eager: true });
const sdkTypes = import.meta.glob<string>(
  [
    "../node_modules/@modelcontextprotocol/sdk/dist/esm/shared/protocol.d.ts",
    "../node_modules/@modelcontextprotocol/sdk/dist/esm/server/index.d.ts",
    "../node_modules/@modelcontextprotocol/sdk/dist/esm/server/mcp.d.ts",
  ],
  { query: "?raw", import: "default", eager: true },
);

const ADAPTER = "src/mcp/sdk-adapter.ts";

/** Every source file by its path from the repository root (`src/…`). */
const files = Object.entries(sources).map(([key, text]) => ({ path: key.replace(/^\.\.\//, ""), text }));

/** What a file imports: package names as written, and our own modules as `src/…` paths. */
function importsOf(path: string, text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s(?:[^;]*?\sfrom\s)?\s*["']([^"']+)["']/gm),
    ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((match) => match[1] ?? "");
  return specifiers.map((specifier) => {
    if (!specifier.startsWith(".")) return specifier;
    const parts = path.split("/").slice(0, -1);
    for (const part of specifier.split("/")) {
      if (part === "..") parts.pop();
      else if (part !== ".") parts.push(part);
    }
    return parts.join("/");
  });
}

/** The imports of every file under `folder` that fall under one of `forbidden` (folders or packages). */
function violations(folder: string, forbidden: readonly string[]): string[] {
  return files
    .filter((file) => file.path.startsWith(`${folder}/`))
    .flatMap((file) =>
      importsOf(file.path, file.text)
        .filter((target) => forbidden.some((root) => target === root || target.startsWith(`${root}/`)))
        .map((target) => `${file.path} imports ${target}`),
    );
}

describe("the layout", () => {
  it("reads the sources it judges", () => {
    const paths = files.map((file) => file.path);
    expect(paths).toContain("src/telemetry/protocol.ts");
    expect(paths).toContain("src/tools/index.ts");
    expect(paths).toContain(ADAPTER);
    expect(importsOf("src/mcp/register.ts", sources["../src/mcp/register.ts"] ?? "")).toContain(
      "src/telemetry/protocol",
    );
  });

  it("telemetry only observes: it imports no host, tool, resource, prompt or auth code", () => {
    expect(
      violations("src/telemetry", ["src/mcp", "src/tools", "src/resources", "src/prompts", "src/auth"]),
    ).toEqual([]);
  });

  it("telemetry works against the API both SDKs share: no @sentry/cloudflare, no @sentry/node", () => {
    expect(violations("src/telemetry", ["@sentry/cloudflare", "@sentry/node"])).toEqual([]);
  });

  it("tools stay host- and telemetry-agnostic: no telemetry, host, auth or Sentry", () => {
    expect(violations("src/tools", ["src/telemetry", "src/mcp", "src/auth", "@sentry"])).toEqual([]);
  });

  it("resources and prompts are as agnostic as tools, and take GitHub's name rules from src/github", () => {
    const forbidden = ["src/telemetry", "src/mcp", "src/auth", "@sentry", "src/tools"];
    expect([...violations("src/resources", forbidden), ...violations("src/prompts", forbidden)]).toEqual([]);
  });

  it("core types depend on no layer: context, errors, content and the grant props import types only", () => {
    for (const path of ["src/context.ts", "src/errors.ts", "src/content.ts", "src/auth/props.ts"]) {
      const text = sources[`../${path}`] ?? "";
      const valueImports = text.match(/^import\s+(?!type\s)[^;]*;/gm) ?? [];
      expect(valueImports, path).toEqual([]);
      const layers = importsOf(path, text).filter((target) =>
        ["src/mcp", "src/telemetry", "src/tools", "src/resources", "src/prompts"].some((root) =>
          target.startsWith(root),
        ),
      );
      expect(layers, path).toEqual([]);
    }
  });

  it("the stdio host stays out of the Worker: nothing the Worker entry reaches imports src/stdio", () => {
    const byPath = new Map(files.map((file) => [file.path.replace(/\.ts$/, ""), file]));
    const reached = new Set<string>();
    const queue = ["src/index"];
    while (queue.length > 0) {
      const path = queue.pop() ?? "";
      if (reached.has(path)) continue;
      reached.add(path);
      const file = byPath.get(path) ?? byPath.get(`${path}/index`);
      if (!file) continue;
      for (const target of importsOf(file.path, file.text)) if (target.startsWith("src/")) queue.push(target);
    }
    expect(reached.has("src/mcp/register")).toBe(true);
    expect([...reached].filter((path) => path.startsWith("src/stdio"))).toEqual([]);
    expect(violations("src/mcp", ["src/stdio"])).toEqual([]);
  });

  it("each host brings its own SDK: src/stdio uses @sentry/node, never @sentry/cloudflare", () => {
    expect(violations("src/stdio", ["@sentry/cloudflare", "agents", "cloudflare:workers"])).toEqual([]);
  });

  it("touches the MCP SDK's private fields in one adapter file only", () => {
    const privates = new Set(
      Object.values(sdkTypes).flatMap((text) =>
        [...text.matchAll(/\bprivate\s+(_\w+)/g)].map((m) => m[1] ?? ""),
      ),
    );
    // The SDK's own declarations are read, so a field it adds is covered too.
    expect(privates.has("_requestHandlers")).toBe(true);
    expect(privates.has("_notificationHandlers")).toBe(true);
    const touches = files.flatMap((file) =>
      [...file.text.matchAll(/\b_\w+\b/g)]
        .map((match) => match[0])
        .filter((name) => privates.has(name))
        .map((name) => `${file.path}: ${name}`),
    );
    expect(touches.filter((touch) => !touch.startsWith(`${ADAPTER}:`))).toEqual([]);
    expect(touches.some((touch) => touch.startsWith(`${ADAPTER}:`))).toBe(true);
  });

  it("keeps the SDK's callback types at the registration seam", () => {
    const seam = files.filter((file) => file.path.startsWith("src/mcp/"));
    expect(seam.map((file) => file.path)).toContain("src/mcp/register.ts");
    for (const file of seam) {
      expect(file.text, file.path).not.toMatch(/\bas never\b/);
      expect(file.text, file.path).not.toMatch(/\(\s*args:\s*unknown/);
      expect(file.text, file.path).not.toMatch(/extra:\s*object\b/);
    }
  });
});
