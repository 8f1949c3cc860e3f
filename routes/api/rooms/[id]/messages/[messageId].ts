/**
 * `/api/rooms/<id>/messages/<messageId>`: changing one stored message
 * through the server, which publishes the new version on the room's
 * channel (`sendEdit`, `sendDelete`; the outbox publishes later if Ably
 * fails now). Posting and paging are `../messages.ts`.
 *
 * `PATCH {"text"}` — the author edits: `200 {"message": …}` with the new
 * version (`version` one up, `editedAt`); the same text again answers the
 * message unchanged.
 * `DELETE` — the author, or the room's owner (the policy's `moderate`),
 * deletes: `200 {"deleted": true, "message": tombstone}` (`text` `""`,
 * `deletedAt`); a deleted message again answers its tombstone.
 *
 * Both: `403` from another origin; `401` without a session; `404` for a
 * malformed room id (before KV is read, `roomIdParam`); `429` with
 * `Retry-After` past `MESSAGE_RATE_LIMIT_PER_MIN` for the user (the limit
 * posting counts against); `403 {"error":"Forbidden"}` for a room unknown
 * or unseen, alike; `404` for an unknown or malformed message id, and for
 * editing a deleted message (its text is gone); `403` with the reason for
 * someone else's message. PATCH also: `415`/`413`/`400` for a body that is
 * no small JSON object, `400` with the reason for text posting would refuse.
 */
import type { Handlers } from "$fresh/server.ts";
import {
  roomIdParam,
  seenRoomAccess,
  type State,
} from "../../../../../lib/app/mod.ts";
import { sendDelete, sendEdit } from "../../../../../lib/rooms/mod.ts";
import { jsonResponse, readJsonBody } from "../../../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "kv" | "ably" | "limits" | "outbox">
> = {
  async PATCH(req, ctx) {
    const { api, kv, ably, limits, outbox } = ctx.state;
    const { user } = await api.stateChange();
    const id = roomIdParam(ctx.params.id);
    await api.limit(limits.messages, "user");
    const body = await readJsonBody(req);
    const access = await seenRoomAccess(kv, user, id);
    const { message } = await sendEdit(kv, ably.tokens.rest, {
      access,
      user,
      messageId: ctx.params.messageId,
      text: body.text,
    }, { retry: (job) => outbox.wake(job) });
    return jsonResponse(200, { message });
  },
  async DELETE(_req, ctx) {
    const { api, kv, ably, limits, outbox } = ctx.state;
    const { user } = await api.stateChange();
    const id = roomIdParam(ctx.params.id);
    await api.limit(limits.messages, "user");
    const access = await seenRoomAccess(kv, user, id);
    const { message } = await sendDelete(kv, ably.tokens.rest, {
      access,
      user,
      messageId: ctx.params.messageId,
    }, { retry: (job) => outbox.wake(job) });
    return jsonResponse(200, { deleted: true, message });
  },
};
