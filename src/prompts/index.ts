import type { PromptDefinition } from "./define";
import { triageIssue } from "./triage-issue";

/** Every prompt the server offers. */
export const prompts: readonly PromptDefinition[] = [triageIssue as unknown as PromptDefinition];
