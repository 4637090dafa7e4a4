// The Worker bundle's "@modelcontextprotocol/server" and "@modelcontextprotocol/client", the MCP SDK v2
// (wrangler.jsonc `alias`, through build/mcp-server.js and build/mcp-client/). agents imports them for what
// this server never uses: serving an SDK v2 server (createMcpHandler; McpAgent serves SDK v1 and only checks
// `instanceof` against the v2 classes, which these stand-ins answer with false) and connecting to other MCP
// servers as a client (agents' MCP client manager). About 380 KiB minified. Anything that does reach these
// gets an error that names this file; the one exception is the client's Workers validator, which agents
// builds when it loads (build/mcp-client/validators/cf-worker.js).

function fail(name) {
  throw new Error(`${name} (MCP SDK v2) is not in the Worker bundle: see build/mcp-sdk-v2.js`);
}

/** A stand-in class: `instanceof` and `extends` work (and never match); constructing it throws. */
export function absentClass(name) {
  return {
    [name]: class {
      constructor() {
        fail(name);
      }
    },
  }[name];
}

/** A stand-in function: calling it throws. */
export function absentFunction(name) {
  return {
    [name]() {
      fail(name);
    },
  }[name];
}
