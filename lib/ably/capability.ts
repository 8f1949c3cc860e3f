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
 * The one grant built here is `pageCapability(userId, roomId)`: what a
 * page's token carries once the policy (`lib/policy.ts`, which alone decides
 * whether the user may see the room) has said yes. Least privilege:
 * `presence` and `subscribe` on `room:<id>` — no `publish`, messages go
 * through the server — and `subscribe` on the user's own channel, where
 * only the server (which holds the key) publishes.
 */
import { isRoomId, LOBBY_ID } from "../chat/ids.ts";

/** The namespace of room channels, `room:<roomId>`. */
export const ROOM_CHANNEL_PREFIX = "room:";

/** A room id the policy refuses to turn into a channel name. */
export class InvalidRoomIdError extends Error {
  constructor() {
    super("room id refused: not a room id");
    this.name = "InvalidRoomIdError";
  }
}

/**
 * The channel of room `roomId`. Room ids never contain `:` or `*`
 * (`lib/chat/ids.ts`), so the name is always one exact channel.
 *
 * @example
 * ```ts
 * roomChannel("lobby"); // "room:lobby"
 * ```
 */
export function roomChannel(roomId: string): string {
  if (!isRoomId(roomId)) throw new InvalidRoomIdError();
  return ROOM_CHANNEL_PREFIX + roomId;
}

/** The lobby's channel. */
export const ROOM_CHANNEL: string = roomChannel(LOBBY_ID);

/** The namespace of per-user channels, `user:<provider>:<subject>`. */
export const USER_CHANNEL_PREFIX = "user:";

/** What the policy needs of a user: the session's `<provider>:<subject>` id. */
export interface LiveUser {
  /** `<provider>:<subject>`; becomes the token's clientId. */
  readonly id: string;
}

/** A capability as Ably takes it: resource name → operations. */
export type Capability = Record<string, readonly string[]>;

/** Operations on the user's own channel: read only. */
export const USER_OPERATIONS = ["subscribe"] as const;

/**
 * Operations on the page's room: see messages and who is here, announce
 * oneself. No `publish` (messages are posted to the server, which publishes
 * them) and no `history` (the server's store is the history).
 */
export const PAGE_ROOM_OPERATIONS = ["presence", "subscribe"] as const;

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
 * The capability of a page's token: `roomId`'s channel with
 * `PAGE_ROOM_OPERATIONS` and the user's own channel with `USER_OPERATIONS`;
 * without a room, the user channel alone. Call it only with a room the
 * policy lets the user read (`tokenCapability` in `lib/policy.ts` does).
 *
 * @example
 * ```ts
 * pageCapability("github:42", "lobby");
 * // { "room:lobby": ["presence","subscribe"], "user:github:42": ["subscribe"] }
 * pageCapability("github:42", null); // { "user:github:42": ["subscribe"] }
 * ```
 */
export function pageCapability(
  userId: string,
  roomId: string | null,
): Capability {
  const capability: Capability = {
    [userChannel(userId)]: [...USER_OPERATIONS],
  };
  if (roomId !== null) {
    capability[roomChannel(roomId)] = [...PAGE_ROOM_OPERATIONS];
  }
  return capability;
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

/**
 * A user id must name one user: a `*` would turn `user:<id>` into a wildcard
 * resource (Ably's capability rules: `ns:*` matches every `ns:…` channel) and, as a
 * clientId, into the wildcard client that may act as anyone (RSA7b4, RSA7c).
 * Sign-in refuses such subjects already (`lib/auth/subject.ts`); this is the
 * last guard.
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
