/**
 * Rooms and memberships as stored in KV — the keys and the plain reads, with
 * no rights decided here (that is `lib/rooms/policy.ts`, which reads through this
 * module; the changes that need rights are `rooms.ts`).
 *
 * - `["rooms", roomId]` → `Room`
 * - `["public_rooms", roomId]` → `true`: the public rooms, so that finding
 *   them never scans private ones; `["public_rooms_by_age", createdAt,
 *   roomId]` → `true`: the same rooms by age, the index `listVisibleRooms`
 *   pages through newest first (`public_rooms.ts`).
 * - `["room_members", roomId, userId]` and `["user_rooms", userId, roomId]` →
 *   `Membership`: both directions, always written and deleted together.
 * - `["user_rooms_joined", userId]` → epoch ms: rewritten by every commit
 *   that adds a `user_rooms` entry, so that `createRoom`, which counts a
 *   user's rooms before it commits, checks this key's versionstamp in the
 *   same commit and so enforces `MAX_ROOMS_PER_USER` against concurrent
 *   creates and joins too.
 * - `["invitations", roomId, userId]` and `["user_invitations", userId,
 *   roomId]` → `Invitation`: an owner's invitation the invitee has not yet
 *   answered, both directions written and deleted together
 *   (`invitations.ts`), each with KV's `expireIn` as well as its own
 *   `expiresAt`, which readers check (KV deletes expired keys eventually, not
 *   at the instant). An invitation grants nothing: the policy reads
 *   memberships only.
 *
 * Every membership change also rewrites the room (its `memberCount`), so that
 * the room's versionstamp changes with its member list: an atomic operation
 * that checks the room's versionstamp (delete, post) sees a concurrent
 * invite or removal and retries.
 *
 * The lobby (`LOBBY_ID`) is not stored: it always exists, public, ownerless.
 */
import { isRoomId, LOBBY_ID } from "../contract/mod.ts";

/** A room. */
export interface Room {
  /** `newRoomId()`, or `lobby`. */
  id: string;
  /** 1–60 characters, trimmed, visible, as `checkText` (`text.ts`) allows. */
  name: string;
  /** Private rooms are seen only by their members. */
  private: boolean;
  /** The user who created it and alone manages it; `null` for the lobby. */
  ownerId: string | null;
  /** Epoch ms; 0 for the lobby. */
  createdAt: number;
  /** Members, the owner included (public rooms count only invited members). */
  memberCount: number;
}

/** What both membership keys hold. */
export interface Membership {
  /** Epoch ms of joining (or creation, for the owner). */
  addedAt: number;
}

/** What both invitation keys hold. */
export interface Invitation {
  roomId: string;
  /** The invitee. */
  userId: string;
  /** The owner who invited. */
  invitedBy: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms from which the invitation is void, whether or not KV has dropped it yet. */
  expiresAt: number;
}

/** The lobby, as every reader sees it. */
export const LOBBY: Readonly<Room> = Object.freeze({
  id: LOBBY_ID,
  name: "Lobby",
  private: false,
  ownerId: null,
  createdAt: 0,
  memberCount: 0,
});

export function roomKey(roomId: string): Deno.KvKey {
  return ["rooms", roomId];
}

export function publicRoomKey(roomId: string): Deno.KvKey {
  return ["public_rooms", roomId];
}

export function publicRoomAgeKey(
  room: Pick<Room, "createdAt" | "id">,
): Deno.KvKey {
  return ["public_rooms_by_age", room.createdAt, room.id];
}

export function memberKey(roomId: string, userId: string): Deno.KvKey {
  return ["room_members", roomId, userId];
}

export function userRoomKey(userId: string, roomId: string): Deno.KvKey {
  return ["user_rooms", userId, roomId];
}

export function invitationKey(roomId: string, userId: string): Deno.KvKey {
  return ["invitations", roomId, userId];
}

export function userInvitationKey(userId: string, roomId: string): Deno.KvKey {
  return ["user_invitations", userId, roomId];
}

export function userRoomsJoinedKey(userId: string): Deno.KvKey {
  return ["user_rooms_joined", userId];
}

/** The room's `posted` count when `userId` last had it open (`unread.ts`). */
export function readMarkerKey(userId: string, roomId: string): Deno.KvKey {
  return ["room_reads", userId, roomId];
}

/** A room as read, with the versionstamp later atomic changes check against. */
export interface StoredRoom {
  room: Room;
  /** `null` for the lobby, which is never written. */
  versionstamp: string | null;
}

/**
 * Room `roomId`, or `null` when the id is malformed or unknown. The id is
 * checked before KV is touched.
 */
export async function readRoom(
  kv: Deno.Kv,
  roomId: string,
): Promise<StoredRoom | null> {
  if (!isRoomId(roomId)) return null;
  if (roomId === LOBBY_ID) return { room: { ...LOBBY }, versionstamp: null };
  const entry = await kv.get<Room>(roomKey(roomId));
  if (entry.value === null) return null;
  return { room: entry.value, versionstamp: entry.versionstamp };
}

/** Whether `userId` is a member of `roomId`. */
export async function isMember(
  kv: Deno.Kv,
  roomId: string,
  userId: string,
): Promise<boolean> {
  return (await kv.get(memberKey(roomId, userId))).value !== null;
}
