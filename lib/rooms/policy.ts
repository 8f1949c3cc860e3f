/**
 * The policy: who may do what in which room, and so which channels a token
 * may name. The one place rights are decided — the token route, the message
 * route, the room pages and the room changes in `lib/rooms/rooms.ts` all ask
 * here, and nothing else compares owner ids or reads memberships to grant.
 *
 * | room    | nobody signed in | signed in | member | owner                  |
 * | ------- | ---------------- | --------- | ------ | ---------------------- |
 * | lobby   | —                | rw        | rw     | (no owner)             |
 * | public  | —                | rw        | rw     | rw + manage + moderate |
 * | private | —                | —         | rw     | rw + manage + moderate |
 *
 * "—" is `null`, exactly as for a room that does not exist: a stranger cannot
 * tell a private room from a missing one. `manage` is inviting by login,
 * removing members and deleting the room; `moderate` is deleting anyone's
 * message (everyone may edit and delete their own, `message_changes.ts`).
 * The lobby has no owner, so nobody moderates it. Channel names and operations come
 * from `lib/ably/capability.ts`, so what is granted is what the code uses.
 */
import { type Capability, pageCapability } from "../ably/mod.ts";
import { isRoomId, LOBBY_ID, type UserRef } from "../contract/mod.ts";
import { memberKey, readRoom, type Room, roomKey } from "./room_store.ts";
import { SPAN, withSpan } from "../platform/mod.ts";

/** What a user may do in a room. */
export interface Rights {
  /** See the room, its messages and who is here. */
  read: boolean;
  /** Post messages. */
  write: boolean;
  /** Invite, remove members, delete the room. */
  manage: boolean;
  /** Delete anyone's message, not only one's own. */
  moderate: boolean;
}

/**
 * A yes from the policy: the room as read and the user's rights in it. The
 * operations that change a room or post to it take one, so they cannot be
 * called without asking first.
 */
export interface RoomAccess {
  room: Room;
  rights: Rights;
  /** Whom the rights are for. */
  userId: string;
  /**
   * The room record's versionstamp when the rights were decided (`null` for
   * the lobby). Changes check it, so a membership changed in between makes
   * them ask again instead of acting on stale rights.
   */
  versionstamp: string | null;
}

/**
 * `user`'s rights in room `roomId`, or `null` when the room is unknown, the
 * id malformed (checked before any KV read), nobody is signed in, or the user
 * may not see the room — one answer for all of these.
 *
 * @example
 * ```ts
 * declare const kv: Deno.Kv;
 * const access = await roomAccess(kv, { id: "github:42" }, "lobby");
 * if (!access) console.log("the not-found page");
 * ```
 */
export function roomAccess(
  kv: Deno.Kv,
  user: UserRef | null,
  roomId: string,
): Promise<RoomAccess | null> {
  return withSpan(SPAN.policyDecision, async (span) => {
    const access = await decideRoomAccess(kv, user, roomId);
    span?.setAttribute("live.policy.question", "room_access");
    span?.setAttribute("live.policy.outcome", access ? "granted" : "denied");
    if (access) {
      span?.setAttribute("live.room.id", access.room.id);
      span?.setAttribute("live.policy.manage", access.rights.manage);
    }
    return access;
  });
}

async function decideRoomAccess(
  kv: Deno.Kv,
  user: UserRef | null,
  roomId: string,
): Promise<RoomAccess | null> {
  if (user === null || !isRoomId(roomId)) return null;
  // The room and the user's membership in one read: every token renewal and
  // every message asks, so the decision costs one KV round trip, and none
  // for the lobby, which is never stored.
  let stored: { room: Room; versionstamp: string | null } | null;
  let member = false;
  if (roomId === LOBBY_ID) {
    stored = await readRoom(kv, roomId);
  } else {
    const [roomEntry, memberEntry] = await kv.getMany<[Room, unknown]>([
      roomKey(roomId),
      memberKey(roomId, user.id),
    ]);
    stored = roomEntry.value === null
      ? null
      : { room: roomEntry.value, versionstamp: roomEntry.versionstamp };
    member = memberEntry.value !== null;
  }
  if (stored === null) return null;
  const { room, versionstamp } = stored;
  const owner = room.ownerId !== null && room.ownerId === user.id;
  if (room.private && !owner && !member) return null;
  return {
    room,
    rights: { read: true, write: true, manage: owner, moderate: owner },
    userId: user.id,
    versionstamp,
  };
}

/**
 * The capability of `user`'s token for a page showing `roomId` (or no room):
 * `null` when the user may not read that room, so the token route answers
 * as for an unknown room.
 *
 * @example
 * ```ts
 * declare const kv: Deno.Kv;
 * const url = new URL("http://127.0.0.1/api/live?room=lobby");
 * const user = { id: "github:42" };
 * const capability = await tokenCapability(kv, user, url.searchParams.get("room"));
 * if (!capability) console.log("403: the same answer as for an unknown room");
 * ```
 */
export function tokenCapability(
  kv: Deno.Kv,
  user: UserRef | null,
  roomId: string | null,
): Promise<Capability | null> {
  // A room's read right is its own (child) decision span, `roomAccess`.
  return withSpan(SPAN.policyDecision, async (span) => {
    const capability = await decideTokenCapability(kv, user, roomId);
    span?.setAttribute("live.policy.question", "token_capability");
    span?.setAttribute(
      "live.policy.outcome",
      capability ? "granted" : "denied",
    );
    return capability;
  });
}

async function decideTokenCapability(
  kv: Deno.Kv,
  user: UserRef | null,
  roomId: string | null,
): Promise<Capability | null> {
  if (user === null) return null;
  if (roomId === null) return pageCapability(user.id, null);
  const access = await roomAccess(kv, user, roomId);
  if (!access?.rights.read) return null;
  return pageCapability(user.id, access.room.id);
}
