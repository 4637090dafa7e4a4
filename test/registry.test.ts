import { describe, expect, it } from "vitest";
import { prompts } from "../src/prompts";
import { resourceTemplates } from "../src/resources";
import { tools } from "../src/tools";

// The registry is the one list of tools; these checks keep names, files, tests and hints in step.
const toolFiles = import.meta.glob("../src/tools/*.ts");
const toolTests = import.meta.glob("./tools/*.test.ts", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const HELPERS = new Set(["define.ts", "index.ts", "inputs.ts", "format.ts"]);

describe("tool registry", () => {
  const entries = Object.entries(tools);

  it("keys the registry by each tool's snake_case name", () => {
    for (const [key, tool] of entries) {
      expect(tool.name).toBe(key);
      expect(key).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/);
    }
  });

  it("has one file per tool, named for it in kebab-case, and no unregistered tool file", () => {
    const files = Object.keys(toolFiles)
      .map((path) => path.split("/").pop() ?? "")
      .filter((file) => !HELPERS.has(file))
      .sort();
    expect(files).toEqual(entries.map(([key]) => `${key.replace(/_/g, "-")}.ts`).sort());
  });

  it("gives every tool a short description, a title, described fields and all three hints", () => {
    for (const [, tool] of entries) {
      expect(tool.description.length).toBeGreaterThan(20);
      expect(tool.description.length).toBeLessThanOrEqual(200);
      expect(tool.title).not.toBe("");
      for (const hint of ["readOnlyHint", "destructiveHint", "openWorldHint"] as const) {
        expect(typeof tool.annotations[hint]).toBe("boolean");
      }
      for (const [field, schema] of Object.entries(tool.inputSchema.shape)) {
        expect((schema as { description?: string }).description, `${tool.name}.${field}`).toBeTruthy();
      }
    }
  });

  it("gives every tool its own test file with a happy-path and a failure-path test that call it", () => {
    for (const [key] of entries) {
      const file = `./tools/${key.replace(/_/g, "-")}.test.ts`;
      const source = toolTests[file];
      expect(source, `${file} is missing: npm run new:tool scaffolds it`).toBeDefined();
      expect(source, file).toContain(`toolSuite("${key}"`);
      // Each kind of test must exist and call this very tool.
      for (const kind of ["happy path", "failure path"]) {
        const tests = testBodies(source ?? "").filter((test) => test.title.startsWith(`${kind}:`));
        expect(tests.length, `${file}: no "${kind}: …" test`).toBeGreaterThan(0);
        expect(
          tests.some((test) => test.body.includes(`"${key}"`)),
          `${file}: no "${kind}" test calls ${key}`,
        ).toBe(true);
      }
    }
    const orphans = Object.keys(toolTests).filter(
      (file) => !entries.some(([key]) => file === `./tools/${key.replace(/_/g, "-")}.test.ts`),
    );
    expect(orphans, "test files in test/tools/ for no registered tool").toEqual([]);
  });

  it("names resources and prompts in snake_case too", () => {
    for (const item of [...resourceTemplates, ...prompts]) expect(item.name).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  });
});

/** The `it("title", …)` blocks of a test file: each title with the source up to the next test. */
function testBodies(source: string): Array<{ title: string; body: string }> {
  const parts = source.split(/\n\s*it\(\s*"/).slice(1);
  return parts.map((part) => {
    const end = part.indexOf('"');
    return { title: part.slice(0, end), body: part.slice(end) };
  });
}
