// The real "zod/v4": build/zod/index.js replaces only the root entry, but wrangler.jsonc's alias
// for "zod" also rewrites its subpaths to this folder.
export * from "../../node_modules/zod/v4/index.js";
