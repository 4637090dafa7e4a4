/**
 * The Node APIs the stdio host uses, typed here rather than by @types/node, which would declare every
 * Node global beside the Workers types the rest of src/ is checked against (see src/async-hooks.d.ts).
 * Shapes are Node's (https://nodejs.org/api/), reduced to what src/stdio calls.
 */
declare module "node:process" {
  interface Stream {
    on(event: string, listener: (...args: unknown[]) => void): unknown;
    once(event: string, listener: (...args: unknown[]) => void): unknown;
  }
  interface WriteStream extends Stream {
    isTTY?: boolean;
    write(chunk: string, callback?: () => void): boolean;
  }
  const process: {
    argv: string[];
    env: Record<string, string | undefined>;
    stdin: Stream & { isTTY?: boolean };
    stdout: WriteStream;
    stderr: WriteStream;
    exitCode: number | undefined;
    exit(code?: number): never;
    on(event: "SIGINT" | "SIGTERM" | "SIGHUP", listener: () => void): unknown;
  };
  export default process;
}

declare module "node:console" {
  export class Console {
    constructor(options: { stdout: unknown; stderr: unknown });
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  }
}

declare module "node:fs/promises" {
  export function readFile(path: string, encoding: "utf8"): Promise<string>;
}

declare module "node:util" {
  export function parseArgs<
    T extends Record<string, { type: "string" | "boolean"; short?: string }>,
  >(config: {
    args?: string[];
    options: T;
    strict?: boolean;
    allowPositionals?: boolean;
  }): {
    values: { [K in keyof T]?: T[K]["type"] extends "string" ? string : boolean };
    positionals: string[];
  };
}

/** The package's version, set by the build (scripts/build-stdio.mjs). */
declare const OBSERVABLE_MCP_VERSION: string;
