/**
 * `GET /api/rooms/<id>/names?ids=a,b`: the display names the server knows
 * for up to 100 user ids (e.g. the room's presence members), as
 * `200 {"names": {id: name}}`; unknown ids are left out, and so, in a
 * private room, are ids of anyone who is not its member
 * (`roomDisplayNames`): the look-up answers for those who can be in the
 * room, never as a directory of strangers. The island shows
 * these beside presence members, never a name a client attached to its own
 * presence data.
 *
 * `401` without a session; `404` for a malformed room id (`roomIdParam`);
 * `400` for malformed ids (none, over 100, empty or over-long, a `*`); `403`
 * for a room unknown or unseen, alike.
 */
import type { Handlers } from "$fresh/server.ts";
import {
  roomIdParam,
  seenRoomAccess,
  type State,
} from "../../../../lib/app/mod.ts";
import {
  MAX_NAME_LOOKUP,
  roomDisplayNames,
} from "../../../../lib/rooms/mod.ts";
import { HttpError, jsonResponse } from "../../../../lib/http/mod.ts";

/** A user id as sessions make them: `<provider>:<subject>`, no wildcard. */
const USER_ID = /^[a-z]+:[^*,]{1,255}$/;

export const handler: Handlers<unknown, Pick<State, "api" | "kv">> = {
  async GET(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.session();
    const roomId = roomIdParam(ctx.params.id);
    const ids = (ctx.url.searchParams.get("ids") ?? "").split(",");
    if (ids.length > MAX_NAME_LOOKUP || !ids.every((id) => USER_ID.test(id))) {
      throw new HttpError(
        400,
        `Give 1 to ${MAX_NAME_LOOKUP} user ids, comma-separated, as ids.`,
      );
    }
    const access = await seenRoomAccess(kv, user, roomId);
    return jsonResponse(200, {
      names: await roomDisplayNames(kv, access, ids),
    });
  },
};
