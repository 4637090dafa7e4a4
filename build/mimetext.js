// The Worker bundle's "mimetext" (wrangler.jsonc `alias`). agents loads it, with the MIME type database
// (mime-db, about 130 KiB minified), only to reply to inbound email from an Agent; this server handles no
// email. If something ever tries, it says so.
export function createMimeMessage() {
  throw new Error("mimetext is not in the Worker bundle (build/mimetext.js): this server sends no email");
}
