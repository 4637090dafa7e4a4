// Scaffolds a tool: npm run new:tool -- <snake_case_name>
//   src/tools/<kebab-name>.ts          the tool: schema, hints, handler (edit these)
//   test/tools/<kebab-name>.test.ts    its happy-path and failure-path tests, over /mcp and /sse
//   src/tools/index.ts                 one import and one registry line
// What it writes passes typecheck, lint and the tests as generated; then make it yours (README,
// "Add your own tool").
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/stack.mjs";

function fail(message) {
  console.error(
    `new:tool: ${message}\nusage: npm run new:tool -- <snake_case_name>   e.g. npm run new:tool -- list_labels`,
  );
  process.exit(2);
}

let name;
try {
  const { positionals } = parseArgs({ allowPositionals: true });
  if (positionals.length !== 1) fail("give exactly one tool name.");
  [name] = positionals;
} catch (error) {
  fail(error.message);
}
if (!/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/.test(name) || name.length > 64) {
  fail(`"${name}" is not a snake_case tool name (letters, digits and single underscores, at most 64).`);
}
const kebab = name.replace(/_/g, "-");
const camel = name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const title = name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
const toolFile = join(ROOT, "src/tools", `${kebab}.ts`);
const testFile = join(ROOT, "test/tools", `${kebab}.test.ts`);
const registryFile = join(ROOT, "src/tools/index.ts");
const registry = readFileSync(registryFile, "utf8");
if (existsSync(toolFile) || existsSync(testFile) || new RegExp(`^\\s+${name}[:,]`, "m").test(registry)) {
  fail(
    `a tool named ${name} exists already (src/tools/${kebab}.ts, test/tools/${kebab}.test.ts or the registry).`,
  );
}

writeFileSync(
  toolFile,
  `import * as z from "zod/v4";
import { defineTool } from "./define";

export const ${camel} = defineTool({
  name: "${name}",
  title: "${title}",
  description: "Say what this tool does and when a model should call it (at most 200 characters).",
  inputSchema: z.object({
    note: z.string().max(200).optional().describe("An example input: describe each field for the model."),
  }),
  // readOnlyHint: it changes nothing; destructiveHint: it can destroy; openWorldHint: it reaches GitHub.
  annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: true, idempotentHint: true },
  async handler({ note }, ctx) {
    // ctx.github is the signed-in user's GitHub; throw UserInputError for the caller's mistakes.
    const user = await ctx.github.getAuthenticatedUser();
    return { text: \`${name} ran for \${user.login}\${note ? \`: \${note}\` : "."}\` };
  },
});
`,
);

writeFileSync(
  testFile,
  `import { expect, it } from "vitest";
import { setFault } from "../helpers/github";
import { callTraced } from "../helpers/mcp";
import { attr, waitForEvent } from "../helpers/sink";
import { eventIdIn, spanIn, toolSuite } from "../helpers/tool-suite";

toolSuite("${name}", (s) => {
  it("happy path: answers for the signed-in user, in a span of its own", async () => {
    const call = await callTraced(s.client, "${name}", { note: "hello" });
    expect(call.result.isError).toBeFalsy();
    expect(call.text).toBe("${name} ran for octocat: hello");
    const span = await spanIn(call.traceId, "${name}");
    expect(attr(span, "mcp.outcome")).toBe("success");
  });

  it("failure path: a GitHub 5xx is reported, and the reply quotes the Event ID", async () => {
    await setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const call = await callTraced(s.client, "${name}");
    expect(call.result.isError).toBe(true);
    expect((await waitForEvent(eventIdIn(call.text))).event_id).toBe(eventIdIn(call.text));
  });
});
`,
);

// One import, in module order as biome keeps them, and one registry line before the closing brace.
const lines = registry.split("\n");
const importLine = `import { ${camel} } from "./${kebab}";`;
const imports = lines.filter((line) => line.startsWith("import "));
const moduleOf = (line) => /from "(.*)"/.exec(line)?.[1] ?? "";
const after = imports.filter((line) => moduleOf(line) < `./${kebab}`).at(-1);
lines.splice(after ? lines.indexOf(after) + 1 : 0, 0, importLine);
const close = lines.findIndex((line) => line.startsWith("} as unknown as"));
if (close === -1)
  fail("src/tools/index.ts no longer ends its registry with `} as unknown as …`; add the tool by hand.");
lines.splice(close, 0, `  ${name}: ${camel},`);
writeFileSync(registryFile, lines.join("\n"));

console.log(`Created the tool ${name}:
  src/tools/${kebab}.ts          its schema, hints and handler: edit these
  test/tools/${kebab}.test.ts    its happy-path and failure-path tests: make them say what it does
  src/tools/index.ts             registered as ${name}
Next: npm run typecheck && npm run lint && npx vitest run test/tools/${kebab}.test.ts test/registry.test.ts,
then list it in README's tool list and, if it adds a metric or attribute, in docs/telemetry.md.`);
