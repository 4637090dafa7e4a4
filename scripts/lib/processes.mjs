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
