/**
 * `POST /api/rooms/<id>/read`: "I have this room open": its unread count
 * goes to 0 for the caller, on every device (`clearUnread`: the read
 * marker in KV, and `{ roomId, read: true }` on their own channel when
 * something was unread). The room's island calls it while messages arrive
 * in a room left open (`markRoomRead`, `lib/room_client/unread.ts`); the
 * room's page does the same when it renders. Answers `200 {"read": true}`,
 * for a public room the caller is no member of too (it keeps no count).
 *
 * `403` from another origin (`api.stateChange`) and for a room the policy
 * does not let them see, unknown and private alike (`{"error":"Forbidden"}`,
 * as the other room routes); `401` without a session; `404` for a
 * malformed id (`roomIdParam`).
 *
 * No rate limit of its own: a call is one KV read, and at most one write
 * and one publish, only when the count moved, which only posts make it do
 * (and those are rate-limited per user); a repeated call costs a read.
 */
import type { Handlers } from "$fresh/server.ts";
import {
  roomIdParam,
  seenRoomAccess,
  type State,
} from "../../../../lib/app/mod.ts";
import { clearUnread } from "../../../../lib/rooms/mod.ts";
import { jsonResponse } from "../../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "kv" | "ably">
> = {
  async POST(_req, ctx) {
    const { api, kv, ably } = ctx.state;
    const { user } = await api.stateChange();
    const roomId = roomIdParam(ctx.params.id);
    // Strangers are refused as for an unknown room; the marker is theirs only.
    await seenRoomAccess(kv, user, roomId);
    await clearUnread(kv, ably.publisher, user.id, roomId);
    return jsonResponse(200, { read: true });
  },
};
