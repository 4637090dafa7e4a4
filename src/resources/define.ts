import type { ServerContext } from "../context";

/** A resource template: a URI pattern with `{variables}` and a reader. */
export interface ResourceTemplateDefinition {
  name: string;
  title: string;
  description: string;
  uriTemplate: string;
  mimeType: string;
  read(variables: Record<string, string>, ctx: ServerContext): Promise<string>;
}

/** Exists only for type checking, like defineTool. */
export function defineResourceTemplate(definition: ResourceTemplateDefinition): ResourceTemplateDefinition {
  return definition;
}
