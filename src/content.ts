/**
 * Content beyond plain text that a tool reply or a prompt message may carry, in the shapes MCP
 * defines. Binary data is base64, as on the wire.
 */

/** A resource's contents inlined into a reply: text, or base64 bytes. */
export type EmbeddedResource = { uri: string; mimeType: string } & ({ text: string } | { blob: string });

/** An image, an audio clip or an embedded resource. */
export type MediaContent =
  | { type: "image"; data: string; mimeType: string }
  | { type: "audio"; data: string; mimeType: string }
  | { type: "resource"; resource: EmbeddedResource };

/** One block of a reply or a prompt message: text or media. */
export type ContentBlock = { type: "text"; text: string } | MediaContent;
