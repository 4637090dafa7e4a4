import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe } from "vitest";
import { setFault } from "./github";
import { connect, type Transport } from "./mcp";
import { signIn } from "./oauth";
import { waitForSpan } from "./sink";

/** What a tool's tests get: a connected MCP client of octocat's, on one transport. */
export interface ToolSession {
  client: Client;
  clientId: string;
  transport: Transport;
}

/**
 * The frame of one tool's test file (`test/tools/<kebab-name>.test.ts`): its tests run over /mcp and
 * over /sse, each with its own signed-in client, and any GitHub fault a test set is cleared after.
 * The registry test expects a `happy path` and a `failure path` test in every tool's file.
 */
export function toolSuite(tool: string, tests: (session: ToolSession) => void): void {
  describe.each<Transport>(["streamable-http", "sse"])(`${tool} over %s`, (transport) => {
    const session = { transport } as ToolSession;
    beforeAll(async () => {
      const signedIn = await signIn("octocat", `${tool} test ${transport}`);
      session.clientId = signedIn.clientId;
      session.client = await connect(transport, signedIn.token);
    });
    afterAll(async () => {
      await setFault(null);
      await session.client.close();
    });
    tests(session);
  });
}

/** The span of the call made in trace `traceId`, once the sink has it. */
export function spanIn(traceId: string, tool: string) {
  return waitForSpan(`tools/call ${tool}`, (span) => span.trace_id === traceId);
}

/** The Event ID a reply quotes; throws when it quotes none. */
export function eventIdIn(text: string): string {
  const id = /Event ID: ([0-9a-f]{32})/.exec(text)?.[1];
  if (!id) throw new Error(`no Event ID in reply: ${text}`);
  return id;
}
