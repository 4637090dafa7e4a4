// The Worker bundle's "ajv" and "ajv-formats" (wrangler.jsonc `alias`). The MCP SDK imports ajv for its
// default JSON Schema validator, but ajv compiles schemas with `new Function`, which Workers refuse, and our
// server gives the SDK the Workers validator instead (CfWorkerJsonSchemaValidator, src/mcp/agent.ts). So
// nothing here runs; if something ever constructs ajv, it says so instead of failing obscurely.
function missing() {
  throw new Error(
    "ajv is not in the Worker bundle (build/ajv.js): give the MCP server a jsonSchemaValidator, e.g. CfWorkerJsonSchemaValidator",
  );
}

export default class Ajv {
  constructor() {
    missing();
  }
}

export function addFormats() {
  missing();
}
