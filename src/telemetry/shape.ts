/**
 * Argument shape: what an agent sent, described without the values. Lengths, counts, types and a
 * hash are enough to spot empty strings, oversized inputs, missing keys and retry loops.
 */

/** Attributes describing the arguments, ready to put on a span. */
export type ShapeAttributes = Record<string, string | number | boolean>;

/** Describes each top-level argument by type and size, never by value (numbers and booleans aside). */
export function describeArguments(args: unknown): ShapeAttributes {
  const attributes: ShapeAttributes = {};
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    attributes["mcp.arguments.type"] = args === null ? "null" : Array.isArray(args) ? "array" : typeof args;
    return attributes;
  }
  const keys = Object.keys(args).sort();
  attributes["mcp.arguments.keys"] = keys.join(",");
  attributes["mcp.arguments.count"] = keys.length;
  for (const key of keys.slice(0, 20)) {
    const value = (args as Record<string, unknown>)[key];
    const prefix = `mcp.argument.${key}`;
    if (typeof value === "string") {
      attributes[`${prefix}.type`] = "string";
      attributes[`${prefix}.length`] = value.length;
    } else if (typeof value === "number" || typeof value === "boolean") {
      attributes[`${prefix}.type`] = typeof value;
      attributes[`${prefix}.value`] = value;
    } else if (Array.isArray(value)) {
      attributes[`${prefix}.type`] = "array";
      attributes[`${prefix}.items`] = value.length;
    } else {
      attributes[`${prefix}.type`] = value === null ? "null" : typeof value;
    }
  }
  return attributes;
}

/** JSON with sorted keys, so equal arguments hash equally whatever order the agent sent them in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

/**
 * A short stable hash of the canonical arguments (FNV-1a, 64-bit, hex). Not cryptographic: it tells
 * "the same call again" apart from "a different call" and nothing more, and 16 hex chars cannot be
 * reversed into a value of any length.
 */
export function argumentsHash(args: unknown): string {
  const text = canonicalJson(args ?? {});
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
