/**
 * Argument shape: what an agent sent, described without the values. Lengths, counts, types and a
 * hash are enough to spot empty strings, oversized inputs, missing keys and retry loops.
 */

import { ATTR } from "./names";

/** Attributes describing the arguments, ready to put on a span. */
export type ShapeAttributes = Record<string, string | number | boolean>;

/**
 * Describes each top-level argument by type and size, never by value (numbers and booleans aside).
 * Only names the schema declares (`schemaKeys`) become attribute keys: a name a client made up may
 * itself be data, and is only counted (`mcp.arguments.unknown_count`). Without a schema (an unknown
 * tool or prompt) nothing is named.
 */
export function describeArguments(args: unknown, schemaKeys: readonly string[] = []): ShapeAttributes {
  const attributes: ShapeAttributes = {};
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    attributes[ATTR.ARGUMENTS_TYPE] = args === null ? "null" : Array.isArray(args) ? "array" : typeof args;
    return attributes;
  }
  const sent = Object.keys(args);
  const declared = new Set(schemaKeys);
  const keys = sent.filter((key) => declared.has(key)).sort();
  attributes[ATTR.ARGUMENTS_KEYS] = keys.join(",");
  attributes[ATTR.ARGUMENTS_COUNT] = sent.length;
  if (sent.length > keys.length) attributes[ATTR.ARGUMENTS_UNKNOWN_COUNT] = sent.length - keys.length;
  for (const key of keys.slice(0, 20)) {
    const value = (args as Record<string, unknown>)[key];
    const prefix = `${ATTR.ARGUMENT_PREFIX}.${key}`;
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
 * A short stable hash of the canonical arguments: 64 bits as 16 hex chars, from two 32-bit
 * multiply-xorshift lanes (cyrb53-style, Math.imul, so it stays cheap on 64 KB inputs). Not
 * cryptographic: it tells "the same call again" from "a different call". The `salt` is a per-session
 * secret kept in the Durable Object, so a hash of a short value (a login, a repository name) cannot
 * be matched against a dictionary by someone who only sees the telemetry.
 */
export function argumentsHash(args: unknown, salt = ""): string {
  return hash64(salt + canonicalJson(args ?? {}));
}

/** The 64-bit string hash behind {@link argumentsHash}. */
export function hash64(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
}
