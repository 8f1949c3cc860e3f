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
 * - Published: 202 `{"ok":true}`. Ably failing: 503.
 */
import type { Handlers } from "$fresh/server.ts";
import { getLogger } from "../../lib/platform/mod.ts";
import type { State } from "../../lib/app/mod.ts";
import {
  jsonResponse,
  rateLimitedResponse,
  stateChangeSession,
} from "../../lib/http/mod.ts";

/** The Ably message name of a notice on a user's channel. */
export const NOTICE_NAME = "notice";

const logger = getLogger(["live", "api"]);

export const handler: Handlers<
  unknown,
  Pick<State, "auth" | "ably" | "limits" | "config">
> = {
  async POST(req, ctx) {
    const { ably, limits } = ctx.state;
    const session = await stateChangeSession(req, ctx.state);
    if (session instanceof Response) return session;
    const { sessionId, user } = session;
    // After validation, so that forged ids cannot fill the limiter.
    const decision = await limits.notify.hit(sessionId);
    if (!decision.allowed) {
      return rateLimitedResponse(decision, {
        method: "POST",
        route: "/api/notify-me",
        userId: user.id,
      });
    }
    try {
      await ably.publisher.publishToUser(user.id, NOTICE_NAME, {
        text: "hello from the server",
      });
    } catch (error) {
      logger.error("POST /api/notify-me failed: {error}", { error });
      return jsonResponse(503, { error: "Service Unavailable" });
    }
    return jsonResponse(202, { ok: true });
  },
};
