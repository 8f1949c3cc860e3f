/**
 * `POST /api/notify-me`: the server publishes "hello from the server" on the
 * signed-in visitor's own channel (`user:<id>`), over REST with the key
 * (`lib/ably/publish.ts`); their live room island shows it as a notice. It
 * shows the one path by which the server reaches a user alone: tokens grant
 * subscribe only on that channel, so nobody else can publish there.
 *
 * - `Origin` must be this site's (a state change, like sign-out;
 *   `isSameOrigin`): else 403.
 * - No, unknown or expired session: 401 `{"error":"Unauthorized!"}`.
 * - Past `NOTIFY_RATE_LIMIT_PER_MIN` for this session, across all instances (each
 *   call is a publish paid with the server's key): 429 with `Retry-After`,
 *   as `/api/live` refuses (`lib/http/rate_limit_refusal.ts`).
 * - Published: 202 `{"ok":true}`. Ably failing: 503, the cause logged.
 *
 * The checks and every refusal's answer are the API edge's
 * (`ctx.state.api`, `lib/app/middleware.ts`).
 */
import type { Handlers } from "$fresh/server.ts";
import type { State } from "../../lib/app/mod.ts";
import { jsonResponse, serviceUnavailable } from "../../lib/http/mod.ts";

/** The Ably message name of a notice on a user's channel. */
export const NOTICE_NAME = "notice";

export const handler: Handlers<
  unknown,
  Pick<State, "api" | "ably" | "limits">
> = {
  async POST(_req, ctx) {
    const { api, ably, limits } = ctx.state;
    const { user } = await api.stateChange();
    await api.limit(limits.notify, "session");
    await ably.publisher.publishToUser(user.id, NOTICE_NAME, {
      text: "hello from the server",
    }).catch((cause) => {
      throw serviceUnavailable({ cause });
    });
    return jsonResponse(202, { ok: true });
  },
};
