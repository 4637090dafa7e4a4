// The Worker bundle's "zod" (wrangler.jsonc `alias`). zod's own entry exports `z`, a namespace object that
// carries every one of zod's 49 locales (about 260 KiB minified) whether or not anything reads them: any code
// that touches `z` as a value keeps them all. Our code imports `* as z from "zod/v4"` (tree-shaken); in the
// bundle the only other reader of "zod"'s `z` is agents' MCP client manager (`z.fromJSONSchema`), which this
// server never calls. So `z` here holds what that code uses and fails loudly on anything else, and every
// named export is zod's own.
import { fromJSONSchema } from "zod/v4";

export * from "zod/v4";

const provided = { fromJSONSchema };

export const z = new Proxy(provided, {
  get(target, name) {
    if (Object.hasOwn(target, name)) return target[name];
    if (typeof name === "symbol" || name === "then") return undefined;
    throw new Error(
      `z.${String(name)} is not in the Worker bundle's zod (build/zod.js): import * as z from "zod/v4"`,
    );
  },
});
