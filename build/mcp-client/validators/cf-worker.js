// "@modelcontextprotocol/client/validators/cf-worker" (see build/mcp-sdk-v2.js). agents builds one of these
// when its module loads, so it must work: this is the SDK v1's Workers validator, the one the server already
// uses (same options, same getValidator), instead of the v2 package's second copy of @cfworker/json-schema.
export { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
