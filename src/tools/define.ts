import type * as z from "zod/v4";
import type { MediaContent } from "../content";
import type { ServerContext } from "../context";

/** MCP tool annotations; all three hints are required here so every tool states its effect. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  openWorldHint: boolean;
  idempotentHint?: boolean;
}

/** What a tool handler may return: text for the model, then optional media (images, audio, resources). */
export interface ToolOutput {
  text: string;
  content?: readonly MediaContent[];
}

/** One tool: its schema, its hints and its handler. */
export interface ToolDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodObject<Shape>;
  annotations: ToolAnnotations;
  handler(params: z.infer<z.ZodObject<Shape>>, ctx: ServerContext): Promise<ToolOutput>;
}

/** Exists only for type inference: `params` in the handler gets the schema's type. */
export function defineTool<Shape extends z.ZodRawShape>(
  definition: ToolDefinition<Shape>,
): ToolDefinition<Shape> {
  return definition;
}
