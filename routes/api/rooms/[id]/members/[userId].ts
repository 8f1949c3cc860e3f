/**
 * `DELETE /api/rooms/<id>/members/<userId>`: the owner removes a member, or
 * a member leaves (their own id), through `endMembership`:
 * `200 {"removed": true|false}` (`false`: they were no member). `403` from
 * another origin, for a member removing someone else, or for the owner
 * leaving their own room (they delete it instead); `401` without a session;
 * `404` for a room unknown or unseen, or a malformed id (before KV is read).
 */
import type { Handlers } from "$fresh/server.ts";
import { errorResponse, type State } from "../../../../../lib/app/mod.ts";
import { endMembership, isRoomId } from "../../../../../lib/rooms/mod.ts";
import {
  jsonResponse,
  stateChangeSession,
} from "../../../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "auth" | "kv" | "config" | "revoker">
> = {
  async DELETE(req, ctx) {
    try {
      const { kv, revoker } = ctx.state;
      const session = await stateChangeSession(req, ctx.state);
      if (session instanceof Response) return session;
      const { id, userId } = ctx.params;
      if (!isRoomId(id) || userId.length === 0 || userId.length > 300) {
        return jsonResponse(404, { error: "No such room." });
      }
      const { affectedUserIds } = await endMembership(
        { kv, revoker },
        session.user,
        id,
        userId,
      );
      return jsonResponse(200, { removed: affectedUserIds.length > 0 });
    } catch (error) {
      return errorResponse(error, "DELETE /api/rooms/:id/members/:userId");
    }
  },
};
