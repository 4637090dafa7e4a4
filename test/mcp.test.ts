import { describe, expect, it } from "vitest";
import { tools } from "../src/tools";
import { connect, type Transport, textOf } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import { attr, waitForSpan } from "./helpers/sink";

describe.each<Transport>(["streamable-http", "sse"])("MCP over %s", (transport) => {
  it("initializes, lists tools and calls whoami with a traced span", async () => {
    const { token, clientId } = await signIn("octocat");
    const client = await connect(transport, token);
    const listed = await client.listTools();
    expect(listed.tools.map((tool) => tool.name).sort()).toEqual(Object.keys(tools).sort());
    const result = await client.callTool({ name: "whoami", arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain("Signed in to GitHub as octocat");

    const span = await waitForSpan("tools/call whoami", (s) => attr(s, "client.id") === clientId);
    expect(span.status).toBe("ok");
    expect(attr(span, "mcp.transport")).toBe(transport);
    expect(attr(span, "user.name")).toBe("octocat");
    await client.close();
  });
});
