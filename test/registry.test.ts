import { describe, expect, it } from "vitest";
import { prompts } from "../src/prompts";
import { resourceTemplates } from "../src/resources";
import { tools } from "../src/tools";

// The registry is the one list of tools; these checks keep names, files, tests and hints in step.
const toolFiles = import.meta.glob("../src/tools/*.ts");
const testSources = import.meta.glob("./*.test.ts", {
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

  it("calls every tool from at least one integration test", () => {
    const sources = Object.values(testSources).join("\n");
    for (const [key] of entries) expect(sources, key).toContain(`"${key}"`);
  });

  it("names resources and prompts in snake_case too", () => {
    for (const item of [...resourceTemplates, ...prompts]) expect(item.name).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  });
});
