// docs/telemetry.md's Panels and Alerts are generated from the definitions (`npm run docs:observability`);
// this fails when someone edits one without the other.
import { describe, expect, it } from "vitest";
import { ALERTS, PANELS } from "../src/observability/definitions";
import {
  MARKDOWN_BEGIN,
  MARKDOWN_END,
  renderObservabilityMarkdown,
  replaceObservabilityBlock,
} from "../src/observability/markdown";

const docs = import.meta.glob<string>("../docs/telemetry.md", {
  query: "?raw",
  import: "default",
  eager: true,
});
const telemetry = docs["../docs/telemetry.md"] ?? "";

describe("docs/telemetry.md's Queries", () => {
  it("hold exactly the block the definitions render (run npm run docs:observability after a change)", () => {
    expect(telemetry).toContain(MARKDOWN_BEGIN);
    expect(replaceObservabilityBlock(telemetry)).toBe(telemetry);
  });

  it("name every panel and alert with its measure, grouping and condition", () => {
    const block = renderObservabilityMarkdown();
    for (const panel of PANELS) expect(block).toContain(`**${panel.title}** (\`${panel.id}\``);
    for (const alert of ALERTS) expect(block).toContain(`**${alert.name}** (\`${alert.id}\`)`);
    expect(block).toContain(
      "spans `count_if(mcp.outcome,equals,tool_error) / count()` where `span.op:mcp.server mcp.method.name:tools/call` grouped by `gen_ai.tool.name`: fires when `> 0.05` over 10m",
    );
    expect(block).toContain("fires when `> 2x the same window 1w earlier` over 1h");
  });

  it("are replaced between the markers only, and never appended when the markers are gone", () => {
    const document = `before\n${MARKDOWN_BEGIN}\nstale\n${MARKDOWN_END}\nafter\n`;
    expect(replaceObservabilityBlock(document, "NEW")).toBe("before\nNEW\nafter\n");
    expect(() => replaceObservabilityBlock("no markers here")).toThrow(/markers/);
  });
});
