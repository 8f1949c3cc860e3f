/**
 * `GET /api/live?room=<id>`: the signed-in visitor's Ably credential for a
 * page showing room `<id>` (or, without `room`, no room).
 *
 * - Signed in, and the policy lets them read the room: `200 {"token": X}`,
 *   X being what the SDK's `authCallback` accepts in the configured mode — a
 *   TokenRequest (`request`, default), TokenDetails (`token`) or an Ably JWT
 *   (`jwt`); see `lib/ably/tokens.ts`. A JWT for a room carries the
 *   revocation key of the visitor and that room (`roomRevocationKey`), so a
 *   removal revokes that page's token alone. Its capability is the policy's
 *   (`tokenCapability`, `lib/rooms/policy.ts`): `presence` and `subscribe` on
 *   `room:<id>` (no `publish`: messages go through the server) and
 *   `subscribe` on the visitor's own channel; without `room`, the own
 *   channel alone.
 * - No, malformed, unknown or expired session: `401 {"error":"Unauthorized!"}`
 *   and one warning naming the route and why (never the cookie).
 * - A malformed room id: `404 {"error":"No such room."}`, before KV is read
 *   (`roomIdParam`, the rule of every route that takes a room id).
 * - Past `LIVE_RATE_LIMIT_PER_MIN` for this session, across all instances:
 *   `429 {"error":"Too Many Requests"}` with `Retry-After`
 *   (`lib/http/rate_limit_refusal.ts`); one warning per session and window.
 * - A room that does not exist and a private room the visitor is not in:
 *   the same `403 {"error":"Forbidden"}`, so nobody learns which private
 *   rooms exist. The island's `authCallback` asks again at every renewal, so
 *   a removed member gets this at their next renewal.
 * - Ably unreachable in `token` mode: `503` with `Retry-After`.
 * - A token is handed out only within `TOKEN_FRESHNESS_MS` (1 s) of the KV
 *   reads that allowed it (`lib/rooms/revocation.ts` relies on it): past that,
 *   the session and the room are read again from KV and a new token made;
 *   if even that is too slow, `503` with `Retry-After: 1`.
 * - Anything else: `500 {"error":"Internal Server Error"}`, the cause logged.
 * - Other methods: 405 with `Allow: GET, HEAD`, from the runtime.
 *
 * Nothing else in the request can choose the clientId, capability or TTL.
 * Every answer is private to the visitor and never cached (`jsonResponse`).
 * The session, the rate limit and every refusal's answer are the API edge's
 * (`ctx.state.api`, `lib/app/middleware.ts`); this route throws them.
 */
import type { Handlers } from "$fresh/server.ts";
import { roomIdParam, type State } from "../../lib/app/mod.ts";
import { TOKEN_FRESHNESS_MS, tokenCapability } from "../../lib/rooms/mod.ts";
import { roomRevocationKey } from "../../lib/ably/mod.ts";
import {
  forbidden,
  jsonResponse,
  serviceUnavailable,
  unauthorized,
} from "../../lib/http/mod.ts";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "auth" | "ably" | "limits" | "kv">
> = {
  async GET(_req, ctx) {
    const { api, auth, ably, limits, kv } = ctx.state;
    const session = await api.session();
    const room = ctx.url.searchParams.get("room");
    const roomId = room === null ? null : roomIdParam(room);
    await api.limit(limits.live, "session");
    let { user, readAt } = session;
    for (let tries = 0; tries < 2; tries++) {
      if (tries > 0) {
        const again = await auth.sessions.lookup(session.sessionId, {
          fresh: true,
        });
        if (again === null) throw unauthorized();
        ({ user, readAt } = again);
      }
      const capability = await tokenCapability(kv, user, roomId);
      if (capability === null) throw forbidden();
      // `jwt` mode: a removal from this room revokes this key alone.
      const token = await ably.tokens.issue(user, capability, {
        revocationKey: roomId === null
          ? undefined
          : roomRevocationKey(roomId, user.id),
      });
      // A token nobody sees is no escape: a stale one is dropped here.
      if (Date.now() - readAt <= TOKEN_FRESHNESS_MS) {
        return jsonResponse(200, { token });
      }
    }
    throw serviceUnavailable({ retryAfter: 1 });
  },
};
