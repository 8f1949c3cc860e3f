/**
 * `/api/rooms/<id>/members`: who is in a room, and inviting by login.
 *
 * - `GET`: `200 {"members": [{id, name}]}` for a room the caller may read;
 *   `404` alike for a room unknown or unseen.
 * - `POST {"login"}`: the owner invites the user who signed in here with
 *   that login (at the owner's provider), who becomes a member only by
 *   joining (`POST /api/invitations/<roomId>`): `201 {"invitation": {roomId,
 *   userId, invitedBy, createdAt, expiresAt}}`, or `200` with the open one
 *   when invited already. The invitee is told live on their own channel
 *   (`inviteMember`). `404` with the reason for an unknown login (or room),
 *   `403` for a member who is not the owner (and from another origin),
 *   `409` when they are a member already or the room has too many open
 *   invitations; `401`, `415`, `413`, `400` as every state change.; `429` with `Retry-After` past
 *   `MEMBER_CHANGE_RATE_LIMIT_PER_MIN` for the caller or
 *   `INVITE_TARGET_RATE_LIMIT_PER_MIN` for the login invited.
 *
 * A malformed room id is `404` before KV is read (`roomIdParam`).
 */
import type { Handlers } from "$fresh/server.ts";
import { roomIdParam, type State } from "../../../../../lib/app/mod.ts";
import {
  displayNames,
  inviteMember,
  inviteTargetKey,
  listMembers,
} from "../../../../../lib/rooms/mod.ts";
import {
  HttpError,
  jsonResponse,
  readJsonBody,
} from "../../../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "kv" | "limits" | "invitationNotices">
> = {
  async GET(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.session();
    const ids = await listMembers(kv, user, roomIdParam(ctx.params.id));
    const names = await displayNames(kv, ids);
    return jsonResponse(200, {
      members: ids.map((id) => ({ id, name: names[id] ?? id })),
    });
  },
  async POST(req, ctx) {
    const { api, kv, limits, invitationNotices } = ctx.state;
    const { user } = await api.stateChange();
    const id = roomIdParam(ctx.params.id);
    const body = await readJsonBody(req);
    if (typeof body.login !== "string") {
      throw new HttpError(400, "Give the login to invite.");
    }
    await api.limit(limits.memberChanges, "user");
    await api.limit(limits.inviteTargets, {
      target: inviteTargetKey(body.login),
    });
    const { invitation, created } = await inviteMember(
      { kv, notices: invitationNotices },
      user,
      id,
      body.login.trim(),
    );
    return jsonResponse(created ? 201 : 200, { invitation });
  },
};
