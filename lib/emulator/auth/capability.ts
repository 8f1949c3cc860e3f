/**
 * Ably capabilities: parsing, canonical form, channel matching and the
 * intersection of a requested capability with a key's (spec RSA6, TK2b,
 * TE3; Ably docs "Capabilities"). The counterpart on the client is the
 * capability string ably-js signs into a TokenRequest and the capability a
 * server-side token service (lib/ably in this app) asks for.
 *
 * A capability maps resource patterns to operation lists:
 * - `[*]*` matches every channel, qualified ones (`[meta]…`) included;
 * - `*` matches every unqualified channel;
 * - `ns:*` matches `ns:a` and `ns:a:b` (a trailing `*` segment), never `ns`;
 * - anything else is a literal name (`foo*` is the channel `foo*`).
 * Operation `*` stands for every operation.
 */

import { Errors } from "../core/mod.ts";

/** Resource pattern → sorted operation list; always kept canonical. */
export type Capability = Record<string, string[]>;

/** The operations Ably defines; `*` expands to these. */
export const OPERATIONS = [
  "annotation-publish",
  "annotation-subscribe",
  "channel-metadata",
  "history",
  "message-delete-any",
  "message-delete-own",
  "message-update-any",
  "message-update-own",
  "object-publish",
  "object-subscribe",
  "presence",
  "publish",
  "push-admin",
  "push-subscribe",
  "stats",
  "subscribe",
] as const;

const KNOWN_OPERATIONS: ReadonlySet<string> = new Set([...OPERATIONS, "*"]);

/** The capability Ably gives a key created without restrictions. */
export const ALL_CAPABILITY: Capability = { "*": ["*"] };

/**
 * Parses a capability given as a JSON string or an object (TK2b) into its
 * canonical form. Throws 40000 on anything that is not a non-empty object of
 * non-empty operation lists.
 */
export function parseCapability(input: unknown): Capability {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      throw Errors.badRequest("Invalid capability: not JSON");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw Errors.badRequest("Invalid capability: expected an object");
  }
  const out: Capability = {};
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) {
    throw Errors.badRequest("Invalid capability: no resources");
  }
  for (const [resource, ops] of entries) {
    if (resource.length === 0) {
      throw Errors.badRequest("Invalid capability: empty resource name");
    }
    if (!Array.isArray(ops) || ops.length === 0) {
      throw Errors.badRequest(
        "Invalid capability: operations must be a non-empty array",
      );
    }
    // Ably refuses `*` beside named operations rather than reading it as
    // `*` (ably-js rest/capability "Invalid capabilities 2").
    if (ops.length > 1 && ops.includes("*")) {
      throw Errors.badRequest(
        "Invalid capability: '*' cannot be combined with other operations",
      );
    }
    for (const op of ops) {
      if (typeof op !== "string" || !KNOWN_OPERATIONS.has(op)) {
        throw Errors.badRequest(
          `Invalid capability: unknown operation ${JSON.stringify(op)}`,
        );
      }
    }
    out[resource] = normaliseOps(ops as string[]);
  }
  return sortResources(out);
}

/** Canonical JSON: resources sorted, operations sorted, no whitespace. */
export function canonicalCapability(cap: Capability): string {
  return JSON.stringify(sortResources(cap));
}

/** Whether a resource pattern of a capability matches one channel name. */
export function resourceMatches(pattern: string, channel: string): boolean {
  if (pattern === "[*]*") return true;
  const [patternQualifier, patternName] = splitQualifier(pattern);
  const [channelQualifier, channelName] = splitQualifier(channel);
  if (patternQualifier !== channelQualifier && patternQualifier !== "[*]") {
    return false;
  }
  if (patternName === "*") return true;
  if (patternName.endsWith(":*")) {
    const prefix = patternName.slice(0, -1);
    return channelName.length > prefix.length &&
      channelName.startsWith(prefix);
  }
  return patternName === channelName;
}

/** The operations a capability grants on one channel, `*` expanded. */
export function operationsFor(cap: Capability, channel: string): Set<string> {
  const ops = new Set<string>();
  for (const [resource, list] of Object.entries(cap)) {
    if (!resourceMatches(resource, channel)) continue;
    for (const op of list) {
      if (op === "*") {
        for (const each of OPERATIONS) ops.add(each);
      } else {
        ops.add(op);
      }
    }
  }
  return ops;
}

/**
 * The capability a token gets: the requested one intersected with the key's
 * (RSA6; Ably computes the intersection server-side). No request means the
 * key's own capability. An empty result is refused with 40160.
 */
export function intersectCapability(
  key: Capability,
  requested: Capability | undefined,
): Capability {
  if (requested === undefined) return sortResources(key);
  const out: Record<string, Set<string>> = {};
  const add = (resource: string, ops: string[]) => {
    if (ops.length === 0) return;
    const set = out[resource] ??= new Set();
    for (const op of ops) set.add(op);
  };
  for (const [reqResource, reqOps] of Object.entries(requested)) {
    for (const [keyResource, keyOps] of Object.entries(key)) {
      if (covers(keyResource, reqResource)) {
        add(reqResource, intersectOps(keyOps, reqOps));
      } else if (covers(reqResource, keyResource)) {
        add(keyResource, intersectOps(keyOps, reqOps));
      }
    }
  }
  const result: Capability = {};
  for (const [resource, ops] of Object.entries(out)) {
    result[resource] = normaliseOps([...ops]);
  }
  if (Object.keys(result).length === 0) {
    throw Errors.notPermitted(
      "Requested capability is not permitted by the key",
    );
  }
  return sortResources(result);
}

/** Whether pattern `a` matches every channel pattern `b` matches. */
function covers(a: string, b: string): boolean {
  if (a === b || a === "[*]*") return true;
  if (b === "[*]*") return false;
  const [aQualifier, aName] = splitQualifier(a);
  const [bQualifier, bName] = splitQualifier(b);
  if (aQualifier !== bQualifier && aQualifier !== "[*]") return false;
  if (aName === "*") return true;
  if (bName === "*") return false;
  if (aName.endsWith(":*")) {
    const prefix = aName.slice(0, -1);
    return bName.length > prefix.length && bName.startsWith(prefix);
  }
  return false;
}

function intersectOps(keyOps: string[], reqOps: string[]): string[] {
  if (keyOps.includes("*")) return reqOps;
  if (reqOps.includes("*")) return keyOps;
  return reqOps.filter((op) => keyOps.includes(op));
}

function normaliseOps(ops: string[]): string[] {
  if (ops.includes("*")) return ["*"];
  return [...new Set(ops)].sort();
}

function sortResources(cap: Capability): Capability {
  const out: Capability = {};
  for (const resource of Object.keys(cap).sort()) {
    out[resource] = [...cap[resource]].sort();
  }
  return out;
}

function splitQualifier(name: string): [string, string] {
  if (name.startsWith("[")) {
    const end = name.indexOf("]");
    if (end > 0) return [name.slice(0, end + 1), name.slice(end + 1)];
  }
  return ["", name];
}
