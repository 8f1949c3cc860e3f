/**
 * The app's one way to take access away: the members panel of a room's
 * page and the JSON API both end a membership through `endMembership` and
 * delete a room through `closeRoom`. What must follow a loss of access, the
 * revocation of the affected users' Ably tokens (`lib/rooms/revocation.ts`), is
 * added here, once, for both: into the very commit that removes the
 * membership (the `extend` hook of `lib/rooms/rooms.ts`), and tried at once
 * after it. The room they lost answers 403; their other rooms keep going
 * (`jwt` mode revokes that room's tokens alone) or reconnect with fresh
 * tokens (`request`, `token`: all the user's tokens are revoked).
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
 * leaving) and revokes their tokens for it. Returns the users who lost access.
 *
 * @throws {ChatError} as `removeMember`.
 */
export async function endMembership(
  { kv, revoker }: AccessChanges,
  actor: Actor,
  roomId: string,
  userId: string,
): Promise<{ affectedUserIds: string[] }> {
  const revocation = revokeAffected(revoker, roomId);
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
  const revocation = revokeAffected(revoker, roomId);
  const result = await deleteRoom(kv, owner, roomId, revocation);
  await revocation.now();
  return result;
}

/**
 * The `extend` hook that adds the affected users' revocation to a change's
 * commit, and `now()`, its attempt once that commit is done. `extend` runs
 * for every try of the commit; the last one is the one that committed.
 */
function revokeAffected(revoker: Revoker, roomId: string) {
  let attempt: (() => Promise<void>) | undefined;
  return {
    extend(op: Deno.AtomicOperation, affected: string[]) {
      attempt = affected.length > 0
        ? revoker.scheduleRemoval(op, roomId, affected)
        : undefined;
    },
    now: () => attempt?.() ?? Promise.resolve(),
  };
}

/**
 * Whom an invitation of `login` counts against (`INVITE_TARGET_RATE_LIMIT_PER_MIN`):
 * the login as a person would read it, so "Bob" and "bob " share one
 * allowance rather than buying two.
 *
 * @example
 * ```ts
 * inviteTargetKey(" Bob "); // "bob"
 * ```
 */
export function inviteTargetKey(login: string): string {
  return login.trim().toLowerCase();
}
