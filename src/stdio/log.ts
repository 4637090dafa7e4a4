import { Console } from "node:console";
import process from "node:process";

type Line = Record<string, unknown> & { level: string; message: string };

/**
 * Points every console method at stderr, as stdout carries only the protocol: the project's logger
 * (src/telemetry/logger.ts, one JSON object a line, as on Workers) and any library that prints alike.
 * On a terminal the logger's lines are rendered as `time LEVEL message key=value …` for a person.
 */
export function consoleToStderr(tty = process.stderr.isTTY === true): void {
  const stderr = new Console({ stdout: process.stderr, stderr: process.stderr });
  if (tty) {
    for (const method of ["log", "info", "warn", "error"] as const) {
      const write = stderr[method].bind(stderr);
      stderr[method] = (...args: unknown[]) => {
        const line = args.length === 1 ? loggerLine(args[0]) : undefined;
        if (line) write(readable(line));
        else write(...args);
      };
    }
  }
  Object.defineProperty(globalThis, "console", { value: stderr, writable: true, configurable: true });
}

function loggerLine(value: unknown): Line | undefined {
  if (typeof value !== "string" || !value.startsWith('{"level":')) return undefined;
  try {
    const line = JSON.parse(value) as Partial<Line>;
    return typeof line.level === "string" && typeof line.message === "string" ? (line as Line) : undefined;
  } catch {
    return undefined;
  }
}

function readable({ level, message, ...fields }: Line): string {
  const rest = Object.entries(fields)
    .map(([key, value]) => {
      const text = String(value);
      return `${key}=${/[\s"]/.test(text) ? JSON.stringify(text) : text}`;
    })
    .join(" ");
  const time = new Date().toISOString().slice(11, 19);
  return `${time} ${level.toUpperCase().padEnd(5)} ${message}${rest ? `  ${rest}` : ""}`;
}
