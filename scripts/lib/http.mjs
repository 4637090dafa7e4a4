// Serves a web-standard fetch handler (Request in, Response out) from Node's http server, so the
// test doubles in test/doubles run unchanged outside workerd. Loopback only.
import http from "node:http";
import { Readable } from "node:stream";

/**
 * Listens on `host:port` (port 0 = any free one) and answers every request with `handler`.
 * `origin` is the origin the handler sees in `request.url`; it defaults to http://host:port, so a
 * handler that routes by origin (the fake GitHub does) is not confused by a `localhost` Host header.
 */
export async function serveFetch(handler, { host = "127.0.0.1", port = 0, origin } = {}) {
  const server = http.createServer((req, res) => {
    answer(handler, req, res, origin ?? originOf(server, host)).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`local stand-in failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  // Long-polls and SSE stay open; a stuck client must not keep the process alive at shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    port: server.address().port,
    url: originOf(server, host),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function originOf(server, host) {
  return `http://${host}:${server.address().port}`;
}

async function answer(handler, req, res, origin) {
  const url = new URL(req.url ?? "/", origin);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: hasBody ? "half" : undefined,
    signal: controller.signal,
  });
  const response = await handler(request);
  const out = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  res.writeHead(response.status, out);
  if (response.body && req.method !== "HEAD") {
    for await (const chunk of response.body) res.write(chunk);
  }
  res.end();
}

/** Asks the OS for a free loopback port (released again at once; good enough for local tools). */
export async function freePort() {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `url` until it answers with a status below 500, or throws after `timeoutMs`. */
export async function waitForHttp(url, { timeoutMs = 60_000, intervalMs = 250, isDead = () => false } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (isDead()) throw new Error(`the process serving ${url} exited before it was ready`);
    try {
      // The first request also builds the Worker, which can take seconds: a short timeout here only
      // aborts it and makes workerd log a reset connection.
      const response = await fetch(url, { signal: AbortSignal.timeout(15_000), redirect: "manual" });
      await response.body?.cancel();
      if (response.status < 500) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? (error.cause?.code ?? error.message) : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${url} was not ready within ${Math.round(timeoutMs / 1000)}s (${last})`);
}

/** Whether nothing listens on 127.0.0.1:`port` right now. */
export async function isPortFree(port) {
  const server = http.createServer();
  const free = await new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (free) await new Promise((resolve) => server.close(resolve));
  return free;
}
