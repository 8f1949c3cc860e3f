/**
 * Who may do what on which channel: the one capability policy of the app.
 *
 * Every token mode (`request`: a signed TokenRequest, `token`: TokenDetails
 * from Ably or the emulator, `jwt`: an Ably JWT; see `tokens.ts`) embeds the
 * capability built here, and the server (Ably, or `lib/emulator/` locally)
 * enforces it on ATTACH and PUBLISH. The island and the server publishers name
 * channels through the helpers below, so a channel the policy grants and the
 * channel the code uses cannot drift apart.
 *
 * Least privilege (DESIGN.md, Tokens): the shared room with subscribe,
 * publish, presence and history; the user's own channel with subscribe only,
 * so that only the server (which holds the key) publishes there.
 */

/** The shared channel every signed-in user reads and writes. */
export const ROOM_CHANNEL = "room:lobby";

/** The namespace of per-user channels, `user:<provider>:<subject>`. */
export const USER_CHANNEL_PREFIX = "user:";

/** What the policy needs of a user: the session's `<provider>:<subject>` id. */
export interface LiveUser {
  /** `<provider>:<subject>`; becomes the token's clientId. */
  readonly id: string;
}

/** A capability as Ably takes it: resource name → operations. */
export type Capability = Record<string, readonly string[]>;

/** Operations on the room (Ably capability operations, ABLY.md §5). */
export const ROOM_OPERATIONS = [
  "history",
  "presence",
  "publish",
  "subscribe",
] as const;

/** Operations on the user's own channel: read only. */
export const USER_OPERATIONS = ["subscribe"] as const;

/** A user id the policy refuses; `reason` says why. */
export class InvalidUserIdError extends Error {
  constructor(reason: string) {
    super(`user id refused: ${reason}`);
    this.name = "InvalidUserIdError";
  }
}

/**
 * The user's own channel. Only the server publishes on it (e.g. the "signed in
 * elsewhere" notice); the user may only subscribe.
 *
 * @example
 * ```ts
 * userChannel("github:42"); // "user:github:42"
 * ```
 */
export function userChannel(userId: string): string {
  assertUserId(userId);
  return USER_CHANNEL_PREFIX + userId;
}

/**
 * The capability a user's token carries. Nothing else in the app decides
 * rights.
 *
 * @example
 * ```ts
 * capabilityFor({ id: "github:42" });
 * // { "room:lobby": ["history","presence","publish","subscribe"],
 * //   "user:github:42": ["subscribe"] }
 * ```
 */
export function capabilityFor(user: LiveUser): Capability {
  return {
    [ROOM_CHANNEL]: [...ROOM_OPERATIONS],
    [userChannel(user.id)]: [...USER_OPERATIONS],
  };
}

/**
 * The canonical JSON of a capability, as Ably signs and compares it
 * (TokenRequest `capability`, RSA6 and RSA9f; JWT `x-ably-capability`): resources sorted,
 * each resource's operations sorted, no whitespace.
 *
 * @example
 * ```ts
 * canonicalCapability({ b: ["subscribe", "publish"], a: ["history"] });
 * // '{"a":["history"],"b":["publish","subscribe"]}'
 * ```
 */
export function canonicalCapability(capability: Capability): string {
  const resources = Object.keys(capability).sort();
  const parts = resources.map((resource) =>
    JSON.stringify(resource) + ":" +
    JSON.stringify([...capability[resource]].sort())
  );
  return "{" + parts.join(",") + "}";
}

/** Canonical capabilities by user id; bounded, so a flood of ids cannot grow it without limit. */
const canonicalCache = new Map<string, string>();
const CANONICAL_CACHE_LIMIT = 10_000;

/**
 * `canonicalCapability(capabilityFor(user))`, computed once per user id: the
 * token route asks for it on every request.
 */
export function canonicalCapabilityFor(user: LiveUser): string {
  let canonical = canonicalCache.get(user.id);
  if (canonical === undefined) {
    canonical = canonicalCapability(capabilityFor(user));
    if (canonicalCache.size >= CANONICAL_CACHE_LIMIT) canonicalCache.clear();
    canonicalCache.set(user.id, canonical);
  }
  return canonical;
}

/**
 * A user id must name one user: a `*` would turn `user:<id>` into a wildcard
 * resource (ABLY.md §5: `ns:*` matches every `ns:…` channel) and, as a
 * clientId, into the wildcard client that may act as anyone (RSA7b4, RSA7c).
 */
function assertUserId(userId: string): void {
  if (typeof userId !== "string" || userId === "") {
    throw new InvalidUserIdError("empty");
  }
  if (userId.includes("*")) throw new InvalidUserIdError("contains *");
  if (!userId.includes(":")) {
    throw new InvalidUserIdError("expected <provider>:<subject>");
  }
}
