/**
 * `GET /api/live`: the signed-in visitor's Ably credential.
 *
 * - Signed in: `200 {"token": X}`, X being what the SDK's `authCallback`
 *   accepts in the configured mode — a TokenRequest (`request`, default),
 *   TokenDetails (`token`) or an Ably JWT (`jwt`); see `lib/ably/tokens.ts`.
 * - No, unknown or expired session: `401 {"error":"Unauthorized!"}` and one
 *   warning naming the route and why (never the cookie).
 * - Ably unreachable in `token` mode: `503` with `Retry-After`.
 * - Anything else: `500 {"error":"Internal Server Error"}`, the cause logged.
 *
 * Nothing in the request can choose the clientId, capability or TTL: they
 * come from the session user and `lib/ably/capability.ts`. Every answer is
 * private to the visitor and must never be cached.
 */
import type { Handlers } from "$fresh/server.ts";
import { AblyUnavailableError } from "../../lib/ably/mod.ts";
import { getLogger } from "../../lib/log.ts";
import { services } from "../../lib/services.ts";

const ROUTE = "/api/live";
const logger = getLogger(["live", "api"]);

function json(
  status: number,
  body: unknown,
  headers: HeadersInit = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json",
      "cache-control": "private, no-store",
      "vary": "Cookie",
      ...headers,
    },
  });
}

export const handler: Handlers = {
  async GET(req) {
    try {
      const { auth, ably } = services();
      const user = await auth.getSessionUser(req);
      if (!user) {
        const reason = auth.getSessionId(req) === null
          ? "no session cookie"
          : "unknown or expired session";
        logger.warn("GET {route} refused: {reason}", { route: ROUTE, reason });
        return json(401, { error: "Unauthorized!" });
      }
      return json(200, { token: await ably.tokens.issue(user) });
    } catch (error) {
      if (error instanceof AblyUnavailableError) {
        // Already logged as an error by the token service, without the key.
        return json(503, { error: "Service Unavailable" }, {
          "retry-after": String(error.retryAfterSeconds),
        });
      }
      logger.error("GET {route} failed: {error}", { route: ROUTE, error });
      return json(500, { error: "Internal Server Error" });
    }
  },
};
