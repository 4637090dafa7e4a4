/**
 * What one MCP session has done so far, kept in its Durable Object: how many tool calls, which tool
 * came last (to see chains), and which resources were read before (to spot re-reads).
 */

/** The persisted record; small and bounded so one storage write per operation stays cheap. */
export interface SessionRecord {
  /** Random per-session key for argument and URI hashes; never leaves the Durable Object. */
  salt: string;
  calls: number;
  previousTool: string | null;
  /** Hashes of resource URIs read in this session, most recent last, at most MAX_READS. */
  reads: string[];
  rereads: number;
}

/** Where the record lives between operations (the Durable Object's synchronous KV). */
export interface SessionStorage {
  get(): SessionRecord | undefined;
  put(record: SessionRecord): void;
}

const MAX_READS = 256;

/** Tracks one session. Without storage it keeps the record in memory only. */
export class SessionTracker {
  private record: SessionRecord | undefined;

  constructor(private readonly storage?: SessionStorage) {}

  private load(): SessionRecord {
    if (this.record) return this.record;
    const stored = this.storage?.get();
    if (stored) {
      this.record = stored;
      return stored;
    }
    const fresh = { salt: newSalt(), calls: 0, previousTool: null, reads: [], rereads: 0 };
    this.save(fresh);
    return fresh;
  }

  private save(record: SessionRecord): void {
    this.record = record;
    this.storage?.put(record);
  }

  /** The session's hash salt (created, and stored, on first use). */
  salt(): string {
    return this.load().salt;
  }

  /** Counts a tool call; returns its 1-based position in the session and the tool called before it. */
  toolCall(tool: string): { index: number; previousTool: string | null } {
    const record = this.load();
    const result = { index: record.calls + 1, previousTool: record.previousTool };
    this.save({ ...record, calls: result.index, previousTool: tool });
    return result;
  }

  /** Records a resource read by the hash of its URI; says whether this session had read it before. */
  resourceRead(uriHash: string): { reread: boolean; rereads: number } {
    const record = this.load();
    const reread = record.reads.includes(uriHash);
    const reads = reread ? record.reads : [...record.reads, uriHash].slice(-MAX_READS);
    const rereads = record.rereads + (reread ? 1 : 0);
    this.save({ ...record, reads, rereads });
    return { reread, rereads };
  }
}

function newSalt(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
