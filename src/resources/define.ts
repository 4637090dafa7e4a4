import type { ServerContext } from "../context";

/** What a resource read returns: text, or binary data as base64 in `blob`. */
export type ResourceBody = string | { blob: string };

/** A resource template: a URI pattern with `{variables}` and a reader. */
export interface ResourceTemplateDefinition {
  name: string;
  title: string;
  description: string;
  uriTemplate: string;
  mimeType: string;
  read(variables: Record<string, string>, ctx: ServerContext): Promise<ResourceBody>;
}

/**
 * A resource at one fixed URI, listed by resources/list. `subscribable` ones accept
 * resources/subscribe (and the server then declares the `subscribe` capability).
 */
export interface ResourceDefinition {
  name: string;
  title: string;
  description: string;
  uri: string;
  mimeType: string;
  subscribable?: boolean;
  read(ctx: ServerContext): Promise<ResourceBody>;
}

/** Exists only for type checking, like defineTool. */
export function defineResourceTemplate(definition: ResourceTemplateDefinition): ResourceTemplateDefinition {
  return definition;
}

/** Exists only for type checking, like defineTool. */
export function defineResource(definition: ResourceDefinition): ResourceDefinition {
  return definition;
}
