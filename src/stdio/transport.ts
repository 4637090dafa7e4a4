import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/sdk/types.js";

/**
 * A transport that counts the requests it has not answered yet, so the process can let the calls in
 * flight finish (and be reported) before it exits when stdin closes. Public Transport API only: it
 * wraps the SDK's stdio transport and passes every message through unchanged.
 */
export class InFlightTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  private readonly pending = new Set<string | number>();
  private idle: Array<() => void> = [];

  constructor(private readonly inner: Transport) {}

  start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onmessage = (message, extra) => {
      if ("method" in message && "id" in message) this.pending.add(message.id);
      // A cancelled request gets no response (the protocol says so): it is no longer in flight.
      else if ("method" in message && message.method === "notifications/cancelled") {
        const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
        if ((typeof id === "string" || typeof id === "number") && this.pending.delete(id)) this.wake();
      }
      this.onmessage?.(message, extra);
    };
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      await this.inner.send(message, options);
    } finally {
      const id = !("method" in message) && "id" in message ? message.id : undefined;
      if (id !== undefined && this.pending.delete(id)) this.wake();
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Resolves once every request received so far is answered, or after `timeoutMs`; true if answered. */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.pending.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idle = this.idle.filter((wake) => wake !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idle.push(done);
    });
  }

  private wake(): void {
    if (this.pending.size > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const done of waiting) done();
  }
}
