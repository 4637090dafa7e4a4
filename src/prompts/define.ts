import type { z } from "zod";

/** A prompt: arguments (strings, as MCP requires) and the messages it expands to. */
export interface PromptDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  argsSchema: z.ZodObject<Shape>;
  build(args: z.infer<z.ZodObject<Shape>>): string;
}

/** Exists only for type inference, like defineTool. */
export function definePrompt<Shape extends z.ZodRawShape>(
  definition: PromptDefinition<Shape>,
): PromptDefinition<Shape> {
  return definition;
}
