/**
 * `/api/rooms`: the rooms a script's session sees, and creating one.
 *
 * - `GET`: `200 {"rooms": [{id, name, private, channel}]}`, the lobby first
 *   (`listVisibleRooms`); `401` without a session.
 * - `POST {"name", "private"}`: `201 {id, name, private, channel}`, the
 *   caller owning it. `403` from another origin, `401` without a session,
 *   `415` unless JSON, `413` over a few KB, `400` for bad JSON or a bad name
 *   (with the reason), `409` when the caller is in too many rooms.
 */
import type { Handlers } from "$fresh/server.ts";
import { errorResponse, type State } from "../../../lib/app/mod.ts";
import {
  createRoom,
  listVisibleRooms,
  roomJson,
} from "../../../lib/rooms/mod.ts";
import {
  apiSession,
  jsonResponse,
  readJsonBody,
  stateChangeSession,
  unauthorized,
} from "../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "auth" | "kv" | "config">
> = {
  async GET(req, ctx) {
    try {
      const { auth, kv } = ctx.state;
      const session = await apiSession(req, auth);
      if (session === null) return unauthorized();
      const rooms = await listVisibleRooms(kv, session.user);
      return jsonResponse(200, { rooms: rooms.map(roomJson) });
    } catch (error) {
      return errorResponse(error, "GET /api/rooms");
    }
  },
  async POST(req, ctx) {
    try {
      const { kv } = ctx.state;
      const session = await stateChangeSession(req, ctx.state);
      if (session instanceof Response) return session;
      const body = await readJsonBody(req);
      const room = await createRoom(kv, session.user, {
        name: body.name,
        private: body.private,
      });
      return jsonResponse(201, roomJson(room));
    } catch (error) {
      return errorResponse(error, "POST /api/rooms");
    }
  },
};
