/**
 * `/api/rooms/<id>`: one room.
 *
 * - `GET`: `200 {id, name, private, channel}` for a room the caller may
 *   read; `404` alike for an unknown room and a private one they are not in.
 * - `DELETE`: the owner deletes the room with its members and messages
 *   (`closeRoom`): `200 {"deleted": id}`. `403` from another origin or for
 *   a member who is not the owner, `401` without a session, `404` for a room
 *   unknown or unseen; `429` with `Retry-After` past
 *   `MEMBER_CHANGE_RATE_LIMIT_PER_MIN` for the caller (all their sessions).
 *
 * A malformed id is `404` before KV is read (`roomIdParam`).
 */
import type { Handlers } from "$fresh/server.ts";
import { roomIdParam, type State } from "../../../../lib/app/mod.ts";
import { closeRoom, roomAccess, roomJson } from "../../../../lib/rooms/mod.ts";
import { HttpError, jsonResponse } from "../../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "kv" | "revoker" | "limits">
> = {
  async GET(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.session();
    const access = await roomAccess(kv, user, roomIdParam(ctx.params.id));
    if (access === null) throw new HttpError(404, "No such room.");
    return jsonResponse(200, roomJson(access.room));
  },
  async DELETE(_req, ctx) {
    const { api, kv, revoker, limits } = ctx.state;
    const { user } = await api.stateChange();
    const id = roomIdParam(ctx.params.id);
    // A deletion revokes every member's tokens for the room.
    await api.limit(limits.memberChanges, "user");
    await closeRoom({ kv, revoker }, user, id);
    return jsonResponse(200, { deleted: id });
  },
};
