/**
 * `/api/rooms`: the rooms a script's session sees, and creating one.
 *
 * - `GET`: `200 {"rooms": [{id, name, private, channel}]}`, the lobby first
 *   (`listVisibleRooms`); `401` without a session.
 * - `POST {"name", "private"}`: `201 {id, name, private, channel}`, the
 *   caller owning it. `403` from another origin, `401` without a session,
 *   `415` unless JSON, `413` over a few KB, `400` for bad JSON or a bad name
 *   (with the reason), `409` when the caller is in too many rooms, `429`
 *   past `MEMBER_CHANGE_RATE_LIMIT_PER_MIN` for the user.
 */
import type { Handlers } from "$fresh/server.ts";
import type { State } from "../../../lib/app/mod.ts";
import {
  createRoom,
  listVisibleRooms,
  roomJson,
} from "../../../lib/rooms/mod.ts";
import { jsonResponse, readJsonBody } from "../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "kv" | "limits">
> = {
  async GET(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.session();
    const rooms = await listVisibleRooms(kv, user);
    return jsonResponse(200, { rooms: rooms.map(roomJson) });
  },
  async POST(req, ctx) {
    const { api, kv, limits } = ctx.state;
    const { user } = await api.stateChange();
    // Creating counts with inviting, removing and deleting: each is a
    // multi-key commit, and rooms made in a loop are how an allowance fills.
    await api.limit(limits.memberChanges, "user");
    const body = await readJsonBody(req);
    const room = await createRoom(kv, user, {
      name: body.name,
      private: body.private,
    });
    return jsonResponse(201, roomJson(room));
  },
};
