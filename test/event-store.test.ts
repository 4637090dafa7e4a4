import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SendingEventStore } from "../src/mcp/event-store";

/** A JSON-RPC result larger than a Durable Object storage value may be (2 MB). */
const huge = { jsonrpc: "2.0" as const, id: 1, result: { text: "x".repeat(3 * 1024 * 1024) } };

describe("the Streamable HTTP event store", () => {
  it("lets a message storage refuses go out unreplayable instead of failing the send", async () => {
    const namespace = (env as unknown as { MCP_OBJECT: DurableObjectNamespace }).MCP_OBJECT;
    const stub = namespace.get(namespace.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const store = new SendingEventStore(state.storage);
      // Storage really refuses it, so the base store's send would fail.
      await expect(state.storage.put("probe", huge)).rejects.toThrow(/SQLITE_TOOBIG|too big/i);
      expect(await store.storeEvent("stream", huge)).toBe("");
      // Messages that fit are still stored for replay, with an id.
      const small = { jsonrpc: "2.0" as const, id: 2, result: { text: "ok" } };
      const id = await store.storeEvent("stream", small);
      expect(id).toMatch(/^stream:[0-9a-f]{16}$/);
      const replayed: unknown[] = [];
      await store.replayEventsAfter("stream:0000000000000000", {
        send: async (_eventId, message) => {
          replayed.push(message);
        },
      });
      expect(replayed).toEqual([small]);
    });
  });
});
