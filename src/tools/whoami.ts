import * as z from "zod/v4";
import { defineTool } from "./define";

export const whoami = defineTool({
  name: "whoami",
  title: "Who am I",
  description:
    "Show the GitHub account this server acts as. Use it to check the connection or before acting for the user.",
  inputSchema: z.object({}),
  annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: true, idempotentHint: true },
  async handler(_params, ctx) {
    const user = await ctx.github.getAuthenticatedUser();
    const name = user.name ? ` (${user.name})` : "";
    return { text: `Signed in to GitHub as ${user.login}${name}, user id ${user.id}.` };
  },
});
