/**
 * The app's one way to take access away: the members panel of a room's
 * page and the JSON API both end a membership through `endMembership` and
 * delete a room through `closeRoom`. What must follow a loss of access, the
 * revocation of the affected users' Ably tokens (`lib/rooms/revocation.ts`), is
 * added here, once, for both: into the very commit that removes the
 * membership (the `extend` hook of `lib/rooms/rooms.ts`), and tried at once
 * after it. Their open connections are cut; their other rooms reconnect with
 * fresh tokens, and the room they lost answers 403.
 */
import { type Actor, deleteRoom, removeMember } from "./mod.ts";
import type { Revoker } from "./revocation.ts";

/** What a change of access works with. */
export interface AccessChanges {
  kv: Deno.Kv;
  revoker: Revoker;
}

/**
 * Ends `userId`'s membership of `roomId` (the owner removing, or a member
 * leaving) and revokes their tokens. Returns the users who lost access.
 *
 * @throws {ChatError} as `removeMember`.
 */
export async function endMembership(
  { kv, revoker }: AccessChanges,
  actor: Actor,
  roomId: string,
  userId: string,
): Promise<{ affectedUserIds: string[] }> {
  const revocation = revokeAffected(revoker);
  const result = await removeMember(kv, actor, roomId, userId, revocation);
  await revocation.now();
  return result;
}

/**
 * Deletes `roomId` with its memberships and messages and revokes the
 * members' tokens. Returns the members, who lost access.
 *
 * @throws {ChatError} as `deleteRoom`.
 */
export async function closeRoom(
  { kv, revoker }: AccessChanges,
  owner: Actor,
  roomId: string,
): Promise<{ affectedUserIds: string[] }> {
  const revocation = revokeAffected(revoker);
  const result = await deleteRoom(kv, owner, roomId, revocation);
  await revocation.now();
  return result;
}

/**
 * The `extend` hook that adds the affected users' revocation to a change's
 * commit, and `now()`, its attempt once that commit is done. `extend` runs
 * for every try of the commit; the last one is the one that committed.
 */
function revokeAffected(revoker: Revoker) {
  let attempt: (() => Promise<void>) | undefined;
  return {
    extend(op: Deno.AtomicOperation, affected: string[]) {
      attempt = affected.length > 0
        ? revoker.schedule(op, affected)
        : undefined;
    },
    now: () => attempt?.() ?? Promise.resolve(),
  };
}
