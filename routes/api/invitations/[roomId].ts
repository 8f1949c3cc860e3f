/**
 * `/api/invitations/<roomId>`: the invitee answers their invitation.
 *
 * - `POST`: joins — a member from now on (`joinRoom`):
 *   `200 {"room": {id, name, private, channel}}`. `404` without an open
 *   invitation (withdrawn, answered, expired, or the room gone), `409` when
 *   the caller is in too many rooms or the room is full.
 * - `DELETE`: declines; both keys go and nothing else changes:
 *   `200 {"declined": true}`, `404` without an open invitation.
 *
 * Both: `403` from another origin, `401` without a session; a malformed
 * room id is `404` before KV is read (`roomIdParam`).
 */
import type { Handlers } from "$fresh/server.ts";
import { roomIdParam, type State } from "../../../lib/app/mod.ts";
import {
  declineInvitation,
  joinRoom,
  roomJson,
} from "../../../lib/rooms/mod.ts";
import { HttpError, jsonResponse } from "../../../lib/http/mod.ts";

export const handler: Handlers<unknown, Pick<State, "api" | "kv">> = {
  async POST(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.stateChange();
    const room = await joinRoom(kv, user, roomIdParam(ctx.params.roomId));
    return jsonResponse(200, { room: roomJson(room) });
  },
  async DELETE(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.stateChange();
    const id = roomIdParam(ctx.params.roomId);
    if (!await declineInvitation(kv, user, id)) {
      throw new HttpError(404, "No such invitation.");
    }
    return jsonResponse(200, { declined: true });
  },
};
