// Child processes for the local stack: each runs in its own process group, so stopping it also stops
// what it started (wrangler starts workerd), and a Ctrl-C reaches our handler first rather than
// every child at once in whatever order the terminal delivers it.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Starts `command args` and hands every output line to `onLine(line, stream)`.
 * Returns { name, pid, child, exited: Promise<{code, signal}>, isDead(), stop() }.
 */
export function startChild(name, command, args, { env = process.env, cwd, onLine = () => {} } = {}) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let dead = false;
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      dead = true;
      resolve({ code, signal });
    });
    child.once("error", (error) => {
      dead = true;
      onLine(`could not start ${command}: ${error.message}`, "stderr");
      resolve({ code: null, signal: null, error });
    });
  });
  for (const [stream, source] of [
    ["stdout", child.stdout],
    ["stderr", child.stderr],
  ]) {
    createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
      onLine(line, stream),
    );
  }
  return {
    name,
    pid: child.pid,
    child,
    exited,
    isDead: () => dead,
    stop: (graceMs = 5_000) => stopChild(child, exited, () => dead, graceMs),
  };
}

/** SIGTERM to the child's process group, then SIGKILL if anything is still there after `graceMs`. */
async function stopChild(child, exited, isDead, graceMs) {
  if (child.pid === undefined) return;
  // Even when the leader is already dead, its group may not be: wrangler killed by a signal leaves
  // workerd behind, still holding the port.
  signalGroup(child.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  if (!isDead()) await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
  while (groupAlive(child.pid) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  signalGroup(child.pid, "SIGKILL");
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Calls `onOrphaned` once our parent process is gone. `npm run` starts scripts through `sh -c`;
 * when npm is killed, or forwards SIGTERM to that shell only, the shell dies without passing it on
 * and we would keep running (and keep the stack running) with no one left to stop us.
 */
export function watchParent(onOrphaned, intervalMs = 500) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Runs `command args` to its end, as startChild does (its own process group, so a timeout also stops
 * what it started), and resolves with `{ code, signal, timedOut, stdout, stderr }`; it never rejects
 * on a non-zero exit, so each caller says what a failure means. After `timeoutMs` the group is stopped.
 */
export async function runToEnd(command, args, { env = process.env, cwd, timeoutMs = 180_000 } = {}) {
  const out = { stdout: [], stderr: [] };
  const child = startChild(command, command, args, {
    env,
    cwd,
    onLine: (line, stream) => out[stream].push(line),
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.stop(1_000);
  }, timeoutMs);
  const stopOnExit = () => child.stop(0);
  process.once("exit", stopOnExit);
  try {
    const { code, signal, error } = await child.exited;
    if (error) throw error;
    return { code, signal, timedOut, stdout: out.stdout.join("\n"), stderr: out.stderr.join("\n") };
  } finally {
    clearTimeout(timer);
    process.off("exit", stopOnExit);
  }
}

/** runToEnd, but a non-zero exit or a timeout rejects with an error that quotes the output. */
export async function runChecked(command, args, options = {}) {
  const result = await runToEnd(command, args, options);
  if (result.code === 0) return result;
  const why = result.timedOut ? "timed out" : `exited ${result.signal ?? result.code}`;
  const shown = [command, ...args].map((part) => (part.length > 80 ? `…${part.slice(-60)}` : part)).join(" ");
  throw new Error(`${shown} ${why}:\n${result.stdout}\n${result.stderr}`.trimEnd());
}
