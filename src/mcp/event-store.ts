import { DurableObjectEventStore } from "agents/mcp";
import { createLogger } from "../telemetry/logger";
import { ATTR } from "../telemetry/names";

type StoreEventArgs = Parameters<DurableObjectEventStore["storeEvent"]>;

/**
 * agents' Durable Object event store (Streamable HTTP replay after a reconnect), except that a message
 * storage refuses is still sent. The base store writes each message before it goes out, and a write
 * that fails (a value over 2 MB: SQLITE_TOOBIG) made the SDK drop the message with no reply and no
 * error. The reply bound keeps tool, resource and prompt replies under that size; this keeps any
 * other message from vanishing the same way: it goes out without an event id, so it cannot be replayed.
 */
export class SendingEventStore extends DurableObjectEventStore {
  override async storeEvent(...[streamId, message]: StoreEventArgs): Promise<string> {
    try {
      return await super.storeEvent(streamId, message);
    } catch (error) {
      createLogger().warn("MCP message sent without replay: storage refused it", {
        [ATTR.ERROR_TYPE]: error instanceof Error ? error.name : "unknown",
      });
      return "";
    }
  }
}
