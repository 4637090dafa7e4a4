// See build/mcp-sdk-v2.js. The exports agents imports from "@modelcontextprotocol/client".
import { absentClass, absentFunction } from "../mcp-sdk-v2.js";

export const Client = absentClass("Client");
export const SSEClientTransport = absentClass("SSEClientTransport");
export const StreamableHTTPClientTransport = absentClass("StreamableHTTPClientTransport");
export const SdkHttpError = absentClass("SdkHttpError");
export const validateClientMetadataUrl = absentFunction("validateClientMetadataUrl");
