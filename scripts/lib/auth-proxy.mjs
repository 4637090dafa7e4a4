// A loopback reverse proxy that adds `Authorization: Bearer <token>` to every request it forwards:
// for MCP clients that cannot send a header themselves (the conformance CLI). The token is one a
// real sign-in produced; the Worker behind it checks it like any other, so nothing in the product
// is bypassed. Everything else travels as sent, Host and Origin included (the Worker's transport
// checks judge them), except a Host naming the proxy itself, which becomes the Worker's: to the
// Worker the proxy is invisible.
import http from "node:http";

/**
 * Listens on 127.0.0.1:`port` and forwards requests whose path starts with one of `paths` to
 * `target` (an origin), adding the bearer token; any other path gets 404. Streams both ways, so SSE
 * responses flow as they are written. Returns { url, close() }.
 */
export async function startAuthProxy({ port, target, token, paths = ["/mcp"] }) {
  const upstream = new URL(target);
  const ownHosts = new Set([`localhost:${port}`, `127.0.0.1:${port}`]);
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://proxy").pathname;
    if (!paths.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end(`the auth proxy forwards only ${paths.join(", ")}\n`);
      return;
    }
    const headers = {};
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (name === "authorization" || name === "connection" || name === "keep-alive") continue;
      headers[name] = name in headers ? `${headers[name]}, ${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
    }
    if (!headers.host || ownHosts.has(headers.host)) headers.host = upstream.host;
    headers.authorization = `Bearer ${token}`;
    const forwarded = http.request(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    forwarded.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
      res.end(`auth proxy: the Worker did not answer (${error.message})\n`);
    });
    // A client that hangs up (the suite closes SSE streams) ends the upstream request too.
    res.on("close", () => {
      if (!res.writableFinished) forwarded.destroy();
    });
    req.pipe(forwarded);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
