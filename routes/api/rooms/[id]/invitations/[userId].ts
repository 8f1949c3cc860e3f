/**
 * `DELETE /api/rooms/<id>/invitations/<userId>`: the owner withdraws an
 * invitation (`withdrawInvitation`): `200 {"withdrawn": true|false}`
 * (`false`: none was open). It takes no access away, so nothing is revoked.
 * `403` from another origin or for a member who is not the owner; `401`
 * without a session; `404` for a room unknown or unseen, or a malformed id
 * (before KV is read, `roomIdParam`).
 */
import type { Handlers } from "$fresh/server.ts";
import { roomIdParam, type State } from "../../../../../lib/app/mod.ts";
import { withdrawInvitation } from "../../../../../lib/rooms/mod.ts";
import { HttpError, jsonResponse } from "../../../../../lib/http/mod.ts";

export const handler: Handlers<unknown, Pick<State, "api" | "kv">> = {
  async DELETE(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.stateChange();
    const id = roomIdParam(ctx.params.id);
    const { userId } = ctx.params;
    if (userId.length === 0 || userId.length > 300) {
      throw new HttpError(404, "No such room.");
    }
    const withdrawn = await withdrawInvitation(kv, user, id, userId);
    return jsonResponse(200, { withdrawn });
  },
};
