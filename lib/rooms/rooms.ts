/**
 * Creating, listing and managing rooms. Each change is one `kv.atomic()`
 * that checks the versionstamps it read, retried a few times on conflict;
 * rights come from `lib/rooms/policy.ts` (`roomAccess`), never decided here. The
 * keys and plain reads are `room_store.ts`.
 *
 * Changes that take access away (`removeMember`, `deleteRoom`) return the
 * ids of the users who lost it, so the caller can revoke their tokens; their
 * `extend` option adds more to the same commit (e.g. a revocation job through
 * `lib/outbox/`), so the loss of access and its follow-up commit together.
 */
import { getManyInBatches } from "../platform/mod.ts";
import { type RoomAccess, roomAccess } from "./policy.ts";
import { ChatError } from "./errors.ts";
import {
  isRoomId,
  LOBBY_ID,
  newRoomId,
  type UserRef,
} from "../contract/mod.ts";
import { purgeRoomMessages } from "./messages.ts";
import {
  invitationKey,
  LOBBY,
  memberKey,
  type Membership,
  publicRoomAgeKey,
  publicRoomKey,
  readMarkerKey,
  type Room,
  roomKey,
  userInvitationKey,
  userRoomKey,
  userRoomsJoinedKey,
} from "./room_store.ts";
import { checkText } from "./text.ts";

/** Longest room name, in characters, after trimming. */
export const MAX_ROOM_NAME_LENGTH = 60;
/** Members per room, the owner included: bounds a room's delete to one atomic commit. */
export const MAX_MEMBERS = 200;
/**
 * Open invitations per room: with `MAX_MEMBERS`, what keeps a room's delete
 * (both keys of each) within one atomic commit.
 */
export const MAX_ROOM_INVITATIONS = 100;
/** Public rooms and own rooms each listed at most. */
export const MAX_LISTED_ROOMS = 100;
/**
 * Rooms a user may create while a member of this many: keeps one account
 * from filling KV, and everything it is in visible in `listVisibleRooms`.
 */
export const MAX_ROOMS_PER_USER = MAX_LISTED_ROOMS;
/** Tries of a change whose checked reads keep being overtaken. */
export const ATTEMPTS = 5;

/** Who acts: the session user, with the provider whose logins an invitation searches. */
export interface Actor extends UserRef {
  readonly provider?: string;
}

/** Adds further mutations to a change's own atomic commit. */
export type Extend = (
  op: Deno.AtomicOperation,
  affectedUserIds: string[],
) => void;

/**
 * A new room owned by `owner`, who is its first member.
 *
 * @throws {ChatError} `invalid_input` for a bad name, `conflict` when the
 * owner is in `MAX_ROOMS_PER_USER` rooms already.
 * @example
 * ```ts
 * declare const kv: Deno.Kv;
 * const user = { id: "github:42", name: "Alice" };
 * const room = await createRoom(kv, user, { name: "Team", private: true });
 * ```
 */
export async function createRoom(
  kv: Deno.Kv,
  owner: Actor,
  input: { name: unknown; private: unknown },
  now: number = Date.now(),
): Promise<Room> {
  const name = checkText(input.name, "Room name", MAX_ROOM_NAME_LENGTH);
  if (typeof input.private !== "boolean") {
    throw new ChatError("invalid_input", "Say whether the room is private.");
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // The count holds only while nobody joins another room meanwhile: the
    // commit checks the key every such join rewrites, so of concurrent
    // creates one wins per count and the others count again.
    const joined = await requireRoomToSpare(kv, owner.id);
    const room: Room = {
      id: newRoomId(),
      name,
      private: input.private,
      ownerId: owner.id,
      createdAt: now,
      memberCount: 1,
    };
    const membership: Membership = { addedAt: now };
    const op = kv.atomic()
      // 80 random bits make a clash unlikely; the check makes it harmless.
      .check({ key: roomKey(room.id), versionstamp: null })
      .check(joined)
      .set(userRoomsJoinedKey(owner.id), now)
      .set(roomKey(room.id), room)
      .set(memberKey(room.id, owner.id), membership)
      .set(userRoomKey(owner.id, room.id), membership);
    if (!room.private) {
      op.set(publicRoomKey(room.id), true).set(publicRoomAgeKey(room), true);
    }
    if ((await op.commit()).ok) return room;
  }
  throw new ChatError("conflict", "Could not create the room; try again.");
}

/**
 * The rooms `user` may enter: the lobby first, then the newest
 * `MAX_LISTED_ROOMS` public rooms (cut by age, `public_rooms.ts`) and the
 * user's own (member or owner) rooms, newest first. Nobody signed in sees
 * none.
 */
export async function listVisibleRooms(
  kv: Deno.Kv,
  user: Actor | null,
  /** `userRoomIds` of `user`, when the caller reads them too (read once). */
  own?: readonly string[] | Promise<readonly string[]>,
): Promise<Room[]> {
  if (user === null) return [];
  const ids = new Set<string>();
  const mine = own ?? userRoomIds(kv, user.id);
  for await (
    const entry of kv.list({ prefix: ["public_rooms_by_age"] }, {
      limit: MAX_LISTED_ROOMS,
      reverse: true,
    })
  ) ids.add(entry.key[2] as string);
  for (const id of await mine) ids.add(id);
  const keys = [...ids].filter(isRoomId).map(roomKey);
  const rooms: Room[] = [];
  for (const entry of await getManyInBatches<Room>(kv, keys)) {
    if (entry.value) rooms.push(entry.value);
  }
  rooms.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  return [{ ...LOBBY }, ...rooms];
}

/** The user ids of `roomId`'s members (at most `MAX_MEMBERS`), for one who may read it. */
export async function listMembers(
  kv: Deno.Kv,
  actor: Actor,
  roomId: string,
): Promise<string[]> {
  await requireAccess(kv, actor, roomId, "read");
  return await memberIds(kv, roomId);
}

/**
 * Ends `userId`'s membership of `roomId`: the owner removes anyone but
 * themself; any member may remove themself (leave). Returns the users who
 * lost access — `[userId]`, or `[]` when they were no member.
 *
 * @throws {ChatError} `not_found` (unknown or unseen room), `forbidden`
 * (neither owner nor leaving; or the owner leaving their own room: they
 * delete it instead).
 */
export async function removeMember(
  kv: Deno.Kv,
  actor: Actor,
  roomId: string,
  userId: string,
  options: { extend?: Extend } = {},
): Promise<{ affectedUserIds: string[] }> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const access = await requireAccess(kv, actor, roomId, "read");
    const leaving = userId === actor.id;
    if (!access.rights.manage && !leaving) {
      throw new ChatError(
        "forbidden",
        "Only the room's owner removes members.",
      );
    }
    if (userId === access.room.ownerId) {
      throw new ChatError(
        "forbidden",
        "The owner cannot leave their room; delete it instead.",
      );
    }
    const member = await kv.get<Membership>(memberKey(roomId, userId));
    if (member.value === null) return { affectedUserIds: [] };
    const affectedUserIds = [userId];
    const op = kv.atomic()
      .check({ key: roomKey(roomId), versionstamp: access.versionstamp })
      .check(member)
      .set(roomKey(roomId), {
        ...access.room,
        memberCount: Math.max(0, access.room.memberCount - 1),
      })
      .delete(memberKey(roomId, userId))
      .delete(userRoomKey(userId, roomId))
      .delete(readMarkerKey(userId, roomId));
    options.extend?.(op, affectedUserIds);
    if ((await op.commit()).ok) return { affectedUserIds };
  }
  throw new ChatError("conflict", "The room changed meanwhile; try again.");
}

/**
 * Deletes `roomId` with every membership and invitation, both directions, in one commit
 * checked against the room's versionstamp (which every membership change
 * moves, so no invite slips in between). Its messages are then purged in
 * batches; they are unreachable from the moment of the commit. Returns the
 * members, who lost access.
 *
 * @throws {ChatError} `not_found` (unknown or unseen room), `forbidden`
 * (not the owner; the lobby is never deleted).
 */
export async function deleteRoom(
  kv: Deno.Kv,
  owner: Actor,
  roomId: string,
  options: { extend?: Extend } = {},
): Promise<{ affectedUserIds: string[] }> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const access = await requireAccess(kv, owner, roomId, "manage");
    const affectedUserIds = await memberIds(kv, roomId);
    const invitees = await inviteeIds(kv, roomId);
    const op = kv.atomic()
      .check({ key: roomKey(roomId), versionstamp: access.versionstamp })
      .delete(roomKey(roomId))
      .delete(publicRoomKey(roomId))
      .delete(publicRoomAgeKey(access.room));
    for (const userId of affectedUserIds) {
      op.delete(memberKey(roomId, userId)).delete(userRoomKey(userId, roomId))
        .delete(readMarkerKey(userId, roomId));
    }
    for (const userId of invitees) {
      op.delete(invitationKey(roomId, userId))
        .delete(userInvitationKey(userId, roomId));
    }
    options.extend?.(op, affectedUserIds);
    if ((await op.commit()).ok) {
      await purgeRoomMessages(kv, roomId);
      return { affectedUserIds };
    }
  }
  throw new ChatError("conflict", "The room changed meanwhile; try again.");
}

/**
 * The `user_rooms_joined` entry of `userId`, to check in the commit that
 * adds them a room, once they are in fewer than `MAX_ROOMS_PER_USER`. The
 * count holds only while nobody adds them another room meanwhile: that
 * commit rewrites the entry, so of concurrent adds one wins per count and
 * the others count again.
 *
 * @throws {ChatError} `conflict` when they are in that many already.
 */
export async function requireRoomToSpare(
  kv: Deno.Kv,
  userId: string,
): Promise<Deno.KvEntryMaybe<unknown>> {
  const joined = await kv.get(userRoomsJoinedKey(userId));
  let rooms = 0;
  for await (
    const _ of kv.list({ prefix: ["user_rooms", userId] }, {
      limit: MAX_ROOMS_PER_USER,
    })
  ) rooms++;
  if (rooms >= MAX_ROOMS_PER_USER) {
    throw new ChatError(
      "conflict",
      `You are in ${MAX_ROOMS_PER_USER} rooms already; leave or delete one first.`,
    );
  }
  return joined;
}

/**
 * Whoever holds an invitation to `roomId`, expired ones included until KV
 * drops them (at most `MAX_ROOM_INVITATIONS`: the invite counts these too,
 * so the bound holds for every key a room's delete must take).
 */
export function inviteeIds(kv: Deno.Kv, roomId: string): Promise<string[]> {
  return userIdsUnder(kv, ["invitations", roomId], MAX_ROOM_INVITATIONS);
}

/**
 * The ids of the rooms `userId` is a member (or the owner) of, at most
 * `MAX_LISTED_ROOMS`, from their member index.
 */
export async function userRoomIds(
  kv: Deno.Kv,
  userId: string,
): Promise<string[]> {
  const ids: string[] = [];
  for await (
    const entry of kv.list({ prefix: ["user_rooms", userId] }, {
      limit: MAX_LISTED_ROOMS,
    })
  ) ids.push(entry.key[2] as string);
  return ids;
}

/** The user ids of `roomId`'s members, at most `MAX_MEMBERS`; no policy asked. */
export function memberIds(kv: Deno.Kv, roomId: string): Promise<string[]> {
  return userIdsUnder(kv, ["room_members", roomId], MAX_MEMBERS);
}

/** The user ids that end the keys under `[index, roomId]`, at most `limit`. */
async function userIdsUnder(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of kv.list({ prefix }, { limit })) {
    ids.push(entry.key[2] as string);
  }
  return ids;
}

/**
 * The policy's yes for `right`, or the refusal: `not_found` when the actor
 * cannot see the room at all, `forbidden` when they see it but lack `right`.
 */
export async function requireAccess(
  kv: Deno.Kv,
  actor: Actor,
  roomId: string,
  right: keyof RoomAccess["rights"],
): Promise<RoomAccess> {
  const access = await roomAccess(kv, actor, roomId);
  if (access === null) throw new ChatError("not_found", "No such room.");
  if (!access.rights[right]) {
    throw new ChatError(
      "forbidden",
      roomId === LOBBY_ID
        ? "The lobby belongs to everyone and cannot be managed."
        : "Only the room's owner may do that.",
    );
  }
  return access;
}
