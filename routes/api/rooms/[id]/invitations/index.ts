/**
 * `GET /api/rooms/<id>/invitations`: the room's open invitations, for its
 * owner — `200 {"invitations": [{roomId, userId, invitedBy, createdAt,
 * expiresAt}]}`, oldest first. `403` for a member who is not the owner,
 * `404` for a room unknown or unseen (or a malformed id, before KV is
 * read), `401` without a session. Inviting is `POST
 * /api/rooms/<id>/members`; withdrawing, `DELETE
 * /api/rooms/<id>/invitations/<userId>`.
 */
import type { Handlers } from "$fresh/server.ts";
import { roomIdParam, type State } from "../../../../../lib/app/mod.ts";
import { listRoomInvitations } from "../../../../../lib/rooms/mod.ts";
import { jsonResponse } from "../../../../../lib/http/mod.ts";

export const handler: Handlers<unknown, Pick<State, "api" | "kv">> = {
  async GET(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.session();
    const id = roomIdParam(ctx.params.id);
    return jsonResponse(200, {
      invitations: await listRoomInvitations(kv, user, id),
    });
  },
};
