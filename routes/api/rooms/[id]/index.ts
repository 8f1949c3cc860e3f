/**
 * `/api/rooms/<id>`: one room.
 *
 * - `GET`: `200 {id, name, private, channel}` for a room the caller may
 *   read; `404` alike for an unknown room and a private one they are not in.
 * - `DELETE`: the owner deletes the room with its members and messages
 *   (`closeRoom`): `200 {"deleted": id}`. `403` from another origin or for
 *   a member who is not the owner, `401` without a session, `404` for a room
 *   unknown or unseen.
 *
 * A malformed id is `404` before KV is read.
 */
import type { Handlers } from "$fresh/server.ts";
import { errorResponse, type State } from "../../../../lib/app/mod.ts";
import {
  closeRoom,
  isRoomId,
  roomAccess,
  roomJson,
} from "../../../../lib/rooms/mod.ts";
import {
  apiSession,
  jsonResponse,
  stateChangeSession,
  unauthorized,
} from "../../../../lib/http/mod.ts";

const notFound = () => jsonResponse(404, { error: "No such room." });

export const handler: Handlers<
  unknown,
  Pick<State, "auth" | "kv" | "config" | "revoker">
> = {
  async GET(req, ctx) {
    try {
      const { auth, kv } = ctx.state;
      const session = await apiSession(req, auth);
      if (session === null) return unauthorized();
      if (!isRoomId(ctx.params.id)) return notFound();
      const access = await roomAccess(kv, session.user, ctx.params.id);
      if (access === null) return notFound();
      return jsonResponse(200, roomJson(access.room));
    } catch (error) {
      return errorResponse(error, "GET /api/rooms/:id");
    }
  },
  async DELETE(req, ctx) {
    try {
      const { kv, revoker } = ctx.state;
      const session = await stateChangeSession(req, ctx.state);
      if (session instanceof Response) return session;
      if (!isRoomId(ctx.params.id)) return notFound();
      await closeRoom({ kv, revoker }, session.user, ctx.params.id);
      return jsonResponse(200, { deleted: ctx.params.id });
    } catch (error) {
      return errorResponse(error, "DELETE /api/rooms/:id");
    }
  },
};
