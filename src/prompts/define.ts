import type * as z from "zod/v4";
import type { ContentBlock } from "../content";

/** One message of an expanded prompt. */
export interface PromptMessage {
  role: "user" | "assistant";
  content: ContentBlock;
}

/**
 * A prompt: arguments (strings, as MCP requires) and what it expands to: one user message of text,
 * or a list of messages that may carry media.
 */
export interface PromptDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  argsSchema: z.ZodObject<Shape>;
  build(args: z.infer<z.ZodObject<Shape>>): string | PromptMessage[];
}

/** Exists only for type inference, like defineTool. */
export function definePrompt<Shape extends z.ZodRawShape>(
  definition: PromptDefinition<Shape>,
): PromptDefinition<Shape> {
  return definition;
}
