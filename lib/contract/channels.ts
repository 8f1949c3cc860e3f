/**
 * The names of the app's channels and messages, as the server grants and
 * publishes them and the island opens them: `room:<roomId>` for a room,
 * `user:<provider>:<subject>` for one user, `message` for a room message.
 * One place, so a channel the capability grants (`lib/ably/`) and the channel
 * the code uses cannot drift apart.
 */
import { isRoomId, LOBBY_ID } from "./ids.ts";

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
 * (`lib/contract/ids.ts`), so the name is always one exact channel.
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

/** A user id the policy refuses; `reason` says why. */
export class InvalidUserIdError extends Error {
  constructor(reason: string) {
    super(`user id refused: ${reason}`);
    this.name = "InvalidUserIdError";
  }
}

/** The namespace of per-user channels, `user:<provider>:<subject>`. */
export const USER_CHANNEL_PREFIX = "user:";

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

/** The Ably message name of a room message; its `data` is `PublishedMessageData`. */
export const MESSAGE_NAME = "message";

/**
 * The Ably message name, on the invitee's own channel, of "you were invited":
 * `data` is `{ roomId }` alone. The island asks the server for the
 * invitation itself (`GET /api/invitations`), so nothing shown comes from
 * the message.
 */
export const INVITATION_NAME = "invitation";

/**
 * The Ably message name, on a member's own channel, of "room `roomId` has a
 * new message" (`data` is `{ roomId }`) or, with `read: true`, of "you read
 * it on some device": `/` counts up or clears that room's unread count. The
 * counts themselves are the server's, read from KV when `/` renders.
 */
export const UNREAD_NAME = "unread";

/** The `data` of an `UNREAD_NAME` message. */
export interface UnreadNotice {
  roomId: string;
  read?: true;
}
