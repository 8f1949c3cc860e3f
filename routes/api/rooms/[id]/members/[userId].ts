/**
 * `DELETE /api/rooms/<id>/members/<userId>`: the owner removes a member, or
 * a member leaves (their own id), through `endMembership`:
 * `200 {"removed": true|false}` (`false`: they were no member). `403` from
 * another origin, for a member removing someone else, or for the owner
 * leaving their own room (they delete it instead); `401` without a session;
 * `404` for a room unknown or unseen, or a malformed id (before KV is read,
 * `roomIdParam`); `429` with `Retry-After` past
 * `MEMBER_CHANGE_RATE_LIMIT_PER_MIN` for the caller (all their sessions).
 */
import type { Handlers } from "$fresh/server.ts";
import { roomIdParam, type State } from "../../../../../lib/app/mod.ts";
import { endMembership } from "../../../../../lib/rooms/mod.ts";
import { HttpError, jsonResponse } from "../../../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "kv" | "revoker" | "limits">
> = {
  async DELETE(_req, ctx) {
    const { api, kv, revoker, limits } = ctx.state;
    const { user } = await api.stateChange();
    const id = roomIdParam(ctx.params.id);
    const { userId } = ctx.params;
    if (userId.length === 0 || userId.length > 300) {
      throw new HttpError(404, "No such room.");
    }
    // Each removal revokes tokens: counted per user, whatever their sessions.
    await api.limit(limits.memberChanges, "user");
    const { affectedUserIds } = await endMembership(
      { kv, revoker },
      user,
      id,
      userId,
    );
    return jsonResponse(200, { removed: affectedUserIds.length > 0 });
  },
};
