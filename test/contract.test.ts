import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFault } from "./helpers/github";
import { callTraced, connect, type Transport } from "./helpers/mcp";
import { signIn } from "./helpers/oauth";
import { attr, envelopes, itemsOf, mark, spansOf, waitForEvent } from "./helpers/sink";
import { eventIdIn, spanIn } from "./helpers/tool-suite";

// Each tool's own happy and failure paths are in test/tools/; this file holds what every tool shares:
// the error contract, argument validation, spans and trace context, and the resource and the prompt.
describe.each<Transport>(["streamable-http", "sse"])(
  "the error contract, resources and prompts over %s",
  (transport) => {
    let client: Client;
    let clientId: string;

    beforeAll(async () => {
      const session = await signIn("octocat", `Tools test ${transport}`);
      clientId = session.clientId;
      client = await connect(transport, session.token);
    });
    afterAll(async () => {
      await setFault(null);
      await client.close();
    });

    it("reports a GitHub 5xx once, and the reply's Event ID is the event Sentry received", async () => {
      await setFault({ kind: "status", status: 503, path: "/user", times: 1 });
      const call = await callTraced(client, "whoami");
      expect(call.result.isError).toBe(true);
      expect(call.text).toContain("GitHub could not complete this.");
      expect(call.text).not.toMatch(/503 to GET|api\.github\.test|UpstreamError/);
      const event = await waitForEvent(eventIdIn(call.text));
      expect(event.user).toMatchObject({ id: "1001", username: "octocat" });
      expect(event.tags).toMatchObject({
        "client.id": clientId,
        "tool.name": "whoami",
        "mcp.transport": transport,
      });
      expect((event.contexts as { trace: { trace_id: string } }).trace.trace_id).toBe(call.traceId);
      const span = await spanIn(call.traceId, "whoami");
      expect(attr(span, "mcp.outcome")).toBe("tool_error");
      expect(attr(span, "mcp.tool.error_kind")).toBe("upstream_server_error");
    });

    it("reports a GitHub timeout", async () => {
      await setFault({ kind: "hang", path: "/repos/octocat/hello-world/issues/2", times: 1 });
      const call = await callTraced(client, "get_issue", {
        owner: "octocat",
        repo: "hello-world",
        number: 2,
      });
      expect(call.result.isError).toBe(true);
      const event = await waitForEvent(eventIdIn(call.text));
      expect(JSON.stringify(event.exception)).toContain("did not answer");
    });

    it("sends every repeated identical error, so each quoted Event ID exists", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        await setFault({ kind: "status", status: 500, path: "/user", times: 1 });
        ids.push(eventIdIn((await callTraced(client, "whoami")).text));
      }
      expect(ids[0]).not.toBe(ids[1]);
      for (const id of ids) expect((await waitForEvent(id)).event_id).toBe(id);
    });

    it("rejects arguments that fail the schema before the handler runs", async () => {
      const call = await callTraced(client, "get_issue", { owner: "octocat", repo: "x", number: -1 });
      expect(call.result.isError).toBe(true);
      expect(call.text).toMatch(/number/i);
    });

    it("reads a repository README as a resource", async () => {
      const read = await client.readResource({ uri: "github://repos/octocat/hello-world/readme" });
      const first = read.contents[0] as { text?: string; mimeType?: string };
      expect(first.mimeType).toBe("text/markdown");
      expect(first.text).toContain("Hello");
      const templates = await client.listResourceTemplates();
      expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([
        "github://repos/{owner}/{repo}/readme",
        "github://repos/{owner}/{repo}/readme{?offset}",
      ]);
    });

    it("explains a repository without a README with the resource-not-found code", async () => {
      const error = await client.readResource({ uri: "github://repos/octo-org/design-system/readme" }).then(
        () => undefined,
        (thrown: unknown) => thrown as { code?: number; message?: string },
      );
      expect(error?.code).toBe(-32002);
      expect(error?.message).toMatch(/GitHub found nothing there/);
    });

    it("answers a resource URI with an invalid name with the invalid-params code", async () => {
      const error = await client.readResource({ uri: "github://repos/-bad-/hello-world/readme" }).then(
        () => undefined,
        (thrown: unknown) => thrown as { code?: number; message?: string },
      );
      expect(error?.code).toBe(-32602);
      expect(error?.message).toContain("The URI must look like github://repos/{owner}/{repo}/readme");
    });

    it("shows GitHub's own message and the fields a 422 names, without reporting it", async () => {
      const before = await mark();
      const call = await callTraced(client, "search_issues", { query: "repo:nobody-zz/nothing-here crash" });
      expect(call.result.isError).toBe(true);
      expect(call.text).toContain("GitHub refused this (422). GitHub said: Validation Failed (q invalid");
      expect(call.text).toContain("cannot be searched");
      const span = await spanIn(call.traceId, "search_issues");
      expect(attr(span, "mcp.tool.error_kind")).toBe("upstream_validation");
      const events = itemsOf((await envelopes()).slice(before), "event");
      expect(events.filter((item) => JSON.stringify(item.payload).includes(call.traceId))).toEqual([]);
    });

    it("gets the triage prompt", async () => {
      const prompt = await client.getPrompt({
        name: "triage_issue",
        arguments: { owner: "octocat", repo: "hello-world", number: "3" },
      });
      const message = prompt.messages[0]?.content as { text?: string };
      expect(message.text).toContain("Triage GitHub issue octocat/hello-world#3.");
    });

    it("records one span per tool call with name, status, user and tags, and no argument values", async () => {
      const call = await callTraced(client, "get_issue", {
        owner: "octocat",
        repo: "hello-world",
        number: 2,
      });
      const span = await spanIn(call.traceId, "get_issue");
      expect(span.status).toBe("ok");
      expect(span.parent_span_id).toBe(call.parentSpanId);
      expect(attr(span, "mcp.outcome")).toBe("success");
      expect(attr(span, "user.id")).toBe("1001");
      expect(attr(span, "user.name")).toBe("octocat");
      expect(attr(span, "client.id")).toBe(clientId);
      expect(attr(span, "tool.name")).toBe("get_issue");
      expect(attr(span, "organization.slug")).toBe("octocat");
      expect(attr(span, "mcp.transport")).toBe(transport);
      expect(attr(span, "mcp.argument.repo.length")).toBe("hello-world".length);
      expect(attr(span, "mcp.argument.number.value")).toBe(2);
      expect(attr(span, "mcp.arguments.hash")).toMatch(/^[0-9a-f]{16}$/);
      expect(JSON.stringify(span)).not.toContain("hello-world");
      const inTrace = spansOf(await envelopes()).filter((s) => s.trace_id === call.traceId);
      expect(inTrace.filter((s) => s.name.startsWith("tools/call"))).toHaveLength(1);
    });

    it("starts a new trace for each tool call when the client sends no trace context", async () => {
      const before = new Set(spansOf(await envelopes()).map((s) => s.trace_id));
      await client.callTool({ name: "whoami", arguments: {} });
      await client.callTool({ name: "whoami", arguments: {} });
      const fresh = await waitForSpanPair(before);
      expect(fresh[0]).not.toBe(fresh[1]);
    });

    async function waitForSpanPair(before: Set<string>): Promise<string[]> {
      const { waitFor } = await import("./helpers/sink");
      return waitFor((list) => {
        const traces = spansOf(list)
          .filter(
            (s) =>
              s.name === "tools/call whoami" && attr(s, "client.id") === clientId && !before.has(s.trace_id),
          )
          .map((s) => s.trace_id);
        return traces.length >= 2 ? traces : undefined;
      });
    }
  },
);
