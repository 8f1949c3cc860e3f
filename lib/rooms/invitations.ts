/**
 * Invitations: an owner asks someone into a room, and only the invitee's
 * answer makes them a member. Until they join, an invitee is a stranger to
 * the room (the policy, `policy.ts`, reads memberships only), and an
 * invitation counts against nobody's room allowance (`MAX_ROOMS_PER_USER`):
 * it is checked when they join, inside the commit that adds the room.
 *
 * - `inviteByLogin`: the owner invites the user who signed in with a login;
 *   inviting a member is refused, inviting again answers the open
 *   invitation.
 * - `listInvitations`: the invitee's open invitations, with the room's and
 *   the inviter's names as the server knows them.
 * - `joinRoom` / `declineInvitation`: the invitee's answer.
 * - `listRoomInvitations` / `withdrawInvitation`: the owner's side.
 *
 * An invitation lives `INVITATION_TTL_MS` (KV's `expireIn`, and its own
 * `expiresAt` checked on every read). Both keys (`room_store.ts`) are
 * written and deleted in one commit; `deleteRoom` deletes a room's
 * invitations with it. Declining or withdrawing takes no access away, so
 * it revokes nothing. The live notice to the invitee is
 * `invitation_notices.ts`, added to the invite's commit through `extend`.
 */
import { getManyInBatches } from "../platform/mod.ts";
import { ChatError } from "./errors.ts";
import { type InvitationJson, isRoomId } from "../contract/mod.ts";
import {
  type Actor,
  ATTEMPTS,
  type Extend,
  inviteeIds,
  MAX_MEMBERS,
  MAX_ROOM_INVITATIONS,
  requireAccess,
  requireRoomToSpare,
} from "./rooms.ts";
import {
  type Invitation,
  invitationKey,
  memberKey,
  type Membership,
  readRoom,
  type Room,
  roomKey,
  userInvitationKey,
  userRoomKey,
  userRoomsJoinedKey,
} from "./room_store.ts";
import { displayNames, findUserIdByLogin, handleNoun } from "./users.ts";

/** How long an invitation stays open: 7 days. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Open invitations `listInvitations` shows a user at most. */
export const MAX_LISTED_INVITATIONS = 100;

/** An open invitation as its invitee sees it. */
export interface InvitationView extends Invitation {
  /** The room's name. */
  roomName: string;
  /** The inviter's display name (their id when the server knows no name). */
  inviterName: string;
}

/** An invitation as `GET /api/invitations` and the island on `/` show it. */
export function invitationJson(inv: InvitationView): InvitationJson {
  return {
    roomId: inv.roomId,
    roomName: inv.roomName,
    invitedBy: inv.invitedBy,
    inviterName: inv.inviterName,
    createdAt: inv.createdAt,
    expiresAt: inv.expiresAt,
  };
}

/** What `inviteByLogin` did. */
export interface InviteResult {
  invitation: Invitation;
  /** `false` when the invitation was open already (it is not renewed). */
  created: boolean;
}

/** The reason `inviteByLogin` gives for inviting a member. */
export const ALREADY_MEMBER = "They are a member of this room already.";

const NO_INVITATION =
  "No such invitation: it was withdrawn, answered or has expired.";

/**
 * Invites the user who holds `login` (at `options.provider`, the owner's own
 * by default) to `roomId`. `options.extend` adds to the commit that creates
 * the invitation (not to a repeat, which writes nothing).
 *
 * @throws {ChatError} `not_found` for an unknown room or login (a room the
 * actor cannot see counts as unknown), `ambiguous` for a login several
 * people claim, `forbidden` when the actor does not own the room (or it is
 * the lobby), `conflict` when the invitee is a member already or the room
 * has `MAX_ROOM_INVITATIONS` open.
 * @example
 * ```ts
 * declare const kv: Deno.Kv;
 * const owner = { id: "github:42", provider: "github" };
 * const { invitation, created } = await inviteByLogin(
 *   kv,
 *   owner,
 *   "aaaaaaaaaaaaaaaa",
 *   "bob",
 * );
 * ```
 */
export async function inviteByLogin(
  kv: Deno.Kv,
  owner: Actor,
  roomId: string,
  login: string,
  options: { provider?: string; now?: number; extend?: Extend } = {},
): Promise<InviteResult> {
  const { provider = owner.provider, now = Date.now() } = options;
  await requireAccess(kv, owner, roomId, "manage");
  const userId = provider === undefined
    ? null
    : await findUserIdByLogin(kv, provider, login);
  if (userId === null) {
    throw new ChatError(
      "not_found",
      `Nobody with that ${handleNoun(provider)} has signed in here yet.`,
    );
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const access = await requireAccess(kv, owner, roomId, "manage");
    const [member, existing] = await kv.getMany<[Membership, Invitation]>([
      memberKey(roomId, userId),
      invitationKey(roomId, userId),
    ]);
    if (member.value !== null) {
      throw new ChatError("conflict", ALREADY_MEMBER);
    }
    if (existing.value !== null && existing.value.expiresAt > now) {
      return { invitation: existing.value, created: false };
    }
    // Expired ones count until KV drops them: the bound is what keeps a
    // room's delete to one commit, so it must hold for every key.
    if ((await inviteeIds(kv, roomId)).length >= MAX_ROOM_INVITATIONS) {
      throw new ChatError(
        "conflict",
        `A room has at most ${MAX_ROOM_INVITATIONS} open invitations.`,
      );
    }
    const invitation: Invitation = {
      roomId,
      userId,
      invitedBy: owner.id,
      createdAt: now,
      expiresAt: now + INVITATION_TTL_MS,
    };
    const expireIn = INVITATION_TTL_MS;
    // The room is rewritten unchanged so that its versionstamp moves: a
    // delete that listed the invitations before this commit retries.
    const op = kv.atomic()
      .check({ key: roomKey(roomId), versionstamp: access.versionstamp })
      .check(member)
      .check(existing)
      .set(roomKey(roomId), access.room)
      .set(invitationKey(roomId, userId), invitation, { expireIn })
      .set(userInvitationKey(userId, roomId), invitation, { expireIn });
    options.extend?.(op, [userId]);
    if ((await op.commit()).ok) return { invitation, created: true };
  }
  throw new ChatError("conflict", "The room changed meanwhile; try again.");
}

/**
 * `user`'s open invitations (at most `MAX_LISTED_INVITATIONS`), newest
 * first, each with its room's and inviter's names. Expired ones and those
 * whose room is gone are left out.
 */
export async function listInvitations(
  kv: Deno.Kv,
  user: Actor,
  now: number = Date.now(),
): Promise<InvitationView[]> {
  const open: Invitation[] = [];
  for await (
    const entry of kv.list<Invitation>({
      prefix: ["user_invitations", user.id],
    }, { limit: MAX_LISTED_INVITATIONS })
  ) {
    if (entry.value.expiresAt > now) open.push(entry.value);
  }
  const rooms = new Map<string, Room>();
  const keys = open.map((inv) => roomKey(inv.roomId));
  for (const entry of await getManyInBatches<Room>(kv, keys)) {
    if (entry.value) rooms.set(entry.value.id, entry.value);
  }
  const names = await displayNames(kv, open.map((inv) => inv.invitedBy));
  return open
    .filter((inv) => rooms.has(inv.roomId))
    .map((inv) => ({
      ...inv,
      roomName: rooms.get(inv.roomId)!.name,
      inviterName: names[inv.invitedBy] ?? inv.invitedBy,
    }))
    .sort((a, b) =>
      b.createdAt - a.createdAt || (a.roomId < b.roomId ? -1 : 1)
    );
}

/**
 * Accepts `user`'s invitation to `roomId`: they become a member, the
 * invitation is gone, and the room is returned. The room cap is checked in
 * the same commit (`requireRoomToSpare`).
 *
 * @throws {ChatError} `not_found` without an open invitation (or room),
 * `conflict` when the user is in `MAX_ROOMS_PER_USER` rooms or the room is
 * full.
 */
export async function joinRoom(
  kv: Deno.Kv,
  user: Actor,
  roomId: string,
  now: number = Date.now(),
): Promise<Room> {
  if (!isRoomId(roomId)) throw new ChatError("not_found", NO_INVITATION);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [invitation, member] = await kv.getMany<[Invitation, Membership]>([
      invitationKey(roomId, user.id),
      memberKey(roomId, user.id),
    ]);
    const stored = await readRoom(kv, roomId);
    if (
      invitation.value === null || invitation.value.expiresAt <= now ||
      stored === null
    ) {
      throw new ChatError("not_found", NO_INVITATION);
    }
    const op = kv.atomic()
      .check(invitation)
      .check(member)
      .delete(invitationKey(roomId, user.id))
      .delete(userInvitationKey(user.id, roomId));
    if (member.value === null) {
      const joined = await requireRoomToSpare(kv, user.id);
      if (stored.room.memberCount >= MAX_MEMBERS) {
        throw new ChatError(
          "conflict",
          `A room has at most ${MAX_MEMBERS} members.`,
        );
      }
      const membership: Membership = { addedAt: now };
      op.check(joined)
        .check({ key: roomKey(roomId), versionstamp: stored.versionstamp })
        .set(roomKey(roomId), {
          ...stored.room,
          memberCount: stored.room.memberCount + 1,
        })
        .set(memberKey(roomId, user.id), membership)
        .set(userRoomKey(user.id, roomId), membership)
        .set(userRoomsJoinedKey(user.id), now);
    }
    if ((await op.commit()).ok) return stored.room;
  }
  throw new ChatError("conflict", "The room changed meanwhile; try again.");
}

/**
 * Declines `user`'s invitation to `roomId`: both keys go, nothing else
 * changes. `false` when there was none.
 */
export async function declineInvitation(
  kv: Deno.Kv,
  user: Actor,
  roomId: string,
): Promise<boolean> {
  if (!isRoomId(roomId)) return false;
  return await deleteInvitation(kv, roomId, user.id);
}

/**
 * The owner withdraws `userId`'s invitation to `roomId`. `false` when there
 * was none.
 *
 * @throws {ChatError} `not_found` (unknown or unseen room), `forbidden`
 * (not the owner).
 */
export async function withdrawInvitation(
  kv: Deno.Kv,
  owner: Actor,
  roomId: string,
  userId: string,
): Promise<boolean> {
  await requireAccess(kv, owner, roomId, "manage");
  return await deleteInvitation(kv, roomId, userId);
}

/**
 * The open invitations to `roomId`, oldest first, for its owner.
 *
 * @throws {ChatError} as `withdrawInvitation`.
 */
export async function listRoomInvitations(
  kv: Deno.Kv,
  owner: Actor,
  roomId: string,
  now: number = Date.now(),
): Promise<Invitation[]> {
  await requireAccess(kv, owner, roomId, "manage");
  const open: Invitation[] = [];
  for await (
    const entry of kv.list<Invitation>({ prefix: ["invitations", roomId] }, {
      limit: MAX_ROOM_INVITATIONS,
    })
  ) {
    if (entry.value.expiresAt > now) open.push(entry.value);
  }
  return open.sort((a, b) => a.createdAt - b.createdAt);
}

async function deleteInvitation(
  kv: Deno.Kv,
  roomId: string,
  userId: string,
): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const entry = await kv.get<Invitation>(invitationKey(roomId, userId));
    if (entry.value === null) return false;
    const result = await kv.atomic()
      .check(entry)
      .delete(invitationKey(roomId, userId))
      .delete(userInvitationKey(userId, roomId))
      .commit();
    if (result.ok) return entry.value.expiresAt > Date.now();
  }
  throw new ChatError(
    "conflict",
    "The invitation changed meanwhile; try again.",
  );
}
