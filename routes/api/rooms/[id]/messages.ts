/**
 * `/api/rooms/<id>/messages`: a room's messages, stored in KV, and sending
 * one through the server, which alone publishes on the room's channel.
 *
 * `POST {"text", "id"}` — `id` chosen by the browser per send (8–64 of
 * `[A-Za-z0-9_-]`), so that a retry of the same send is stored once:
 * - `403` from another origin; `401` without a session; `400` for a
 *   malformed room id (before KV is read); `429` with `Retry-After` past
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
 * "next": cursor | null}` — `next` pages further back. `401`, `400` and
 * `403` as above.
 */
import type { Handlers } from "$fresh/server.ts";
import { errorResponse, type State } from "../../../../lib/app/mod.ts";
import {
  isRoomId,
  listMessages,
  RECENT_MESSAGES,
  roomAccess,
  sendMessage,
} from "../../../../lib/rooms/mod.ts";
import {
  apiSession,
  forbidden,
  jsonResponse,
  rateLimitedResponse,
  readJsonBody,
  stateChangeSession,
  unauthorized,
} from "../../../../lib/http/mod.ts";

const ROUTE = "/api/rooms/:id/messages";
const malformedRoom = () =>
  jsonResponse(400, { error: "The room id is malformed." });

export const handler: Handlers<
  unknown,
  Pick<State, "auth" | "kv" | "config" | "ably" | "limits" | "outbox">
> = {
  async GET(req, ctx) {
    try {
      const { auth, kv } = ctx.state;
      const session = await apiSession(req, auth);
      if (session === null) return unauthorized();
      if (!isRoomId(ctx.params.id)) return malformedRoom();
      const params = ctx.url.searchParams;
      const rawLimit = params.get("limit");
      const limit = rawLimit === null ? RECENT_MESSAGES : Number(rawLimit);
      if (rawLimit !== null && !/^[0-9]{1,3}$/.test(rawLimit)) {
        return jsonResponse(400, {
          error: "The limit must be a whole number from 1 to 100.",
        });
      }
      const access = await roomAccess(kv, session.user, ctx.params.id);
      if (access === null) return forbidden();
      const page = await listMessages(kv, access, {
        before: params.get("before"),
        limit,
      });
      return jsonResponse(200, page);
    } catch (error) {
      return errorResponse(error, `GET ${ROUTE}`);
    }
  },
  async POST(req, ctx) {
    try {
      const { kv, ably, limits, outbox } = ctx.state;
      const session = await stateChangeSession(req, ctx.state);
      if (session instanceof Response) return session;
      if (!isRoomId(ctx.params.id)) return malformedRoom();
      // Per user, not per session: signing in again buys no fresh allowance.
      const decision = await limits.messages.hit(session.user.id);
      if (!decision.allowed) {
        return rateLimitedResponse(decision, {
          method: "POST",
          route: ROUTE,
          userId: session.user.id,
        });
      }
      const body = await readJsonBody(req);
      const access = await roomAccess(kv, session.user, ctx.params.id);
      if (access === null) return forbidden();
      const { message, created } = await sendMessage(kv, ably.tokens.rest, {
        access,
        user: session.user,
        text: body.text,
        clientMessageId: body.id,
      }, { retry: (job) => outbox.wake(job) });
      return jsonResponse(created ? 201 : 200, { message });
    } catch (error) {
      return errorResponse(error, `POST ${ROUTE}`);
    }
  },
};
