/**
 * `GET /api/live`: the signed-in visitor's Ably credential.
 *
 * - Signed in: `200 {"token": X}`, X being what the SDK's `authCallback`
 *   accepts in the configured mode — a TokenRequest (`request`, default),
 *   TokenDetails (`token`) or an Ably JWT (`jwt`); see `lib/ably/tokens.ts`.
 * - No, malformed, unknown or expired session: `401 {"error":"Unauthorized!"}`
 *   and one warning naming the route and why (never the cookie).
 * - Past `LIVE_RATE_LIMIT_PER_MIN` for this session on this instance:
 *   `429 {"error":"Too Many Requests"}` with `Retry-After`
 *   (`lib/rate_limit.ts`, `lib/rate_limit_refusal.ts`); one warning per
 *   session and window.
 * - Ably unreachable in `token` mode: `503` with `Retry-After`.
 * - Anything else: `500 {"error":"Internal Server Error"}`, the cause logged.
 * - Other methods: 405 with `Allow: GET, HEAD`, from the runtime.
 *
 * Nothing in the request can choose the clientId, capability or TTL: they
 * come from the session user and `lib/ably/capability.ts`. Every answer is
 * private to the visitor and must never be cached.
 */
import type { Handlers } from "$fresh/server.ts";
import { AblyUnavailableError } from "../../lib/ably/mod.ts";
import { getLogger } from "../../lib/log.ts";
import type { State } from "../../lib/app/state.ts";
import { rateLimitedResponse } from "../../lib/rate_limit_refusal.ts";

const ROUTE = "/api/live";
const logger = getLogger(["live", "api"]);

function json(
  status: number,
  body: unknown,
  retryAfterSeconds?: number,
): Response {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "cache-control": "private, no-store",
    "vary": "Cookie",
  };
  if (retryAfterSeconds !== undefined) {
    headers["retry-after"] = String(retryAfterSeconds);
  }
  return new Response(JSON.stringify(body), { status, headers });
}

export const handler: Handlers<
  unknown,
  Pick<State, "auth" | "ably" | "limits">
> = {
  async GET(req, ctx) {
    try {
      const { auth, ably, limits } = ctx.state;
      // The cookie is read once: its id finds the user, then keys the limit.
      const sessionId = auth.getSessionId(req);
      const user = sessionId === null
        ? null
        : await auth.sessions.getUser(sessionId);
      if (sessionId === null || user === null) {
        const reason = sessionId === null
          ? "no or malformed session cookie"
          : "unknown or expired session";
        logger.warn("GET {route} refused: {reason}", { route: ROUTE, reason });
        return json(401, { error: "Unauthorized!" });
      }
      // After validation, so that forged ids can neither fill the limiter
      // nor spend a real session's allowance.
      const decision = limits.live.hit(sessionId);
      if (!decision.allowed) {
        return rateLimitedResponse(decision, {
          method: "GET",
          route: ROUTE,
          userId: user.id,
        });
      }
      return json(200, { token: await ably.tokens.issue(user) });
    } catch (error) {
      if (error instanceof AblyUnavailableError) {
        // Already logged as an error by the token service, without the key.
        return json(
          503,
          { error: "Service Unavailable" },
          error.retryAfterSeconds,
        );
      }
      logger.error("GET {route} failed: {error}", { route: ROUTE, error });
      return json(500, { error: "Internal Server Error" });
    }
  },
};
