/**
 * The app's one way to take access away: the members panel of a room's
 * page and the JSON API both end a membership through `endMembership` and
 * delete a room through `closeRoom`, so what must follow a loss of access
 * (revoking the affected users' tokens, through the `extend` hook of
 * `lib/chat/rooms.ts`) is added here, once, for both.
 */
import { type Actor, deleteRoom, removeMember } from "./chat/mod.ts";

/**
 * Ends `userId`'s membership of `roomId` (the owner removing, or a member
 * leaving). Returns the users who lost access.
 *
 * @throws {ChatError} as `removeMember`.
 */
export async function endMembership(
  kv: Deno.Kv,
  actor: Actor,
  roomId: string,
  userId: string,
): Promise<{ affectedUserIds: string[] }> {
  return await removeMember(kv, actor, roomId, userId);
}

/**
 * Deletes `roomId` with its memberships and messages. Returns the members,
 * who lost access.
 *
 * @throws {ChatError} as `deleteRoom`.
 */
export async function closeRoom(
  kv: Deno.Kv,
  owner: Actor,
  roomId: string,
): Promise<{ affectedUserIds: string[] }> {
  return await deleteRoom(kv, owner, roomId);
}
