import type { ResourceTemplateDefinition } from "./define";
import { repositoryReadme } from "./repository-readme";

/** Every resource template the server offers. */
export const resourceTemplates: readonly ResourceTemplateDefinition[] = [repositoryReadme];
