// See build/mcp-sdk-v2.js. The exports agents imports from "@modelcontextprotocol/server".
import { absentClass, absentFunction } from "./mcp-sdk-v2.js";

export const McpServer = absentClass("McpServer");
export const Server = absentClass("Server");
export const WebStandardStreamableHTTPServerTransport = absentClass(
  "WebStandardStreamableHTTPServerTransport",
);
export const createMcpHandler = absentFunction("createMcpHandler");
export const hostHeaderValidationResponse = absentFunction("hostHeaderValidationResponse");
export const isJSONRPCRequest = absentFunction("isJSONRPCRequest");
export const isLegacyRequest = absentFunction("isLegacyRequest");
export const localhostAllowedHostnames = absentFunction("localhostAllowedHostnames");
export const localhostAllowedOrigins = absentFunction("localhostAllowedOrigins");
export const originValidationResponse = absentFunction("originValidationResponse");
