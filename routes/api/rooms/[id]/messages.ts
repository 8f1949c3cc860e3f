/**
 * `/api/rooms/<id>/messages`: a room's messages, stored in KV, and sending
 * one through the server, which alone publishes on the room's channel.
 * Editing and deleting one is `messages/[messageId].ts`.
 *
 * `POST {"text", "id"}` — `id` chosen by the browser per send (8–64 of
 * `[A-Za-z0-9_-]`), so that a retry of the same send is stored once:
 * - `403` from another origin; `401` without a session; `404` for a
 *   malformed room id (before KV is read, `roomIdParam`); `429` with `Retry-After` past
 *   `MESSAGE_RATE_LIMIT_PER_MIN` for the user (all their sessions together); `415`/`413`/`400` for a
 *   body that is no small JSON object; `403 {"error":"Forbidden"}` for a room
 *   unknown or unseen, alike; `400` with the reason for text that is empty
 *   or over 500 characters after trimming, holds a character that would not
 *   show as written (control, bidi, zero-width, tag, line separator:
 *   `lib/chat/visible_text.ts`), or a bad client id.
 * - New: stored, published (`sendMessage`; the outbox publishes later if
 *   Ably fails now), `201 {"message": …}`. The same client id again:
 *   `200 {"message": …}` with the stored one, nothing published again.
 *
 * `GET ?before=<cursor>&limit=<1–100>`: `200 {"messages": [oldest … newest],
 * "next": cursor | null}` — `next` pages further back. `401`, `404` and
 * `403` as above; `400` for a bad `limit`.
 */
import type { Handlers } from "$fresh/server.ts";
import {
  roomIdParam,
  seenRoomAccess,
  type State,
} from "../../../../lib/app/mod.ts";
import {
  listMessages,
  RECENT_MESSAGES,
  sendMessage,
} from "../../../../lib/rooms/mod.ts";
import {
  HttpError,
  jsonResponse,
  readJsonBody,
} from "../../../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "kv" | "ably" | "limits" | "outbox">
> = {
  async GET(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.session();
    const id = roomIdParam(ctx.params.id);
    const params = ctx.url.searchParams;
    const rawLimit = params.get("limit");
    if (rawLimit !== null && !/^[0-9]{1,3}$/.test(rawLimit)) {
      throw new HttpError(
        400,
        "The limit must be a whole number from 1 to 100.",
      );
    }
    const access = await seenRoomAccess(kv, user, id);
    const page = await listMessages(kv, access, {
      before: params.get("before"),
      limit: rawLimit === null ? RECENT_MESSAGES : Number(rawLimit),
    });
    return jsonResponse(200, page);
  },
  async POST(req, ctx) {
    const { api, kv, ably, limits, outbox } = ctx.state;
    const { user } = await api.stateChange();
    const id = roomIdParam(ctx.params.id);
    // Per user, not per session: signing in again buys no fresh allowance.
    await api.limit(limits.messages, "user");
    const body = await readJsonBody(req);
    const access = await seenRoomAccess(kv, user, id);
    const { message, created } = await sendMessage(kv, ably.tokens.rest, {
      access,
      user,
      text: body.text,
      clientMessageId: body.id,
    }, { retry: (job) => outbox.wake(job) });
    return jsonResponse(created ? 201 : 200, { message });
  },
};
