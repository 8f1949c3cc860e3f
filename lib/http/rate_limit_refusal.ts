/**
 * The one shape of a rate-limited JSON answer, for every API route that
 * counts callers with a `RateLimiter` (through the API edge's `limit`,
 * `session.ts`): `429 {"error":"Too Many Requests"}` with `Retry-After`
 * (RFC 6585 §4; RFC 9110 §10.2.3), never cached, and one warning per key and
 * window (the limiter's `firstRefusal`), naming the route and the user, never
 * the session id.
 *
 * The sign-in start, an HTML page for anonymous visitors, has its own page
 * (`routes/auth/callback.tsx`, `renderRateLimited`).
 */
import { HttpError } from "./json.ts";
import { getLogger, instruments, telemetryEnabled } from "../platform/mod.ts";
import type { RateLimitDecision } from "./rate_limit.ts";

/** A refusal, as `RateLimiter.hit` returns it. */
export type RateLimitRefusal = Extract<RateLimitDecision, { allowed: false }>;

/** Who was refused where, for the warning. */
export interface RefusalContext {
  /** `"GET /api/live"`, `"POST /api/notify-me"`: method and path. */
  method: string;
  route: string;
  /** The signed-in user's id (public: it is the Ably clientId). */
  userId: string;
}

const logger = getLogger(["live", "api"]);

/**
 * The 429 error for `refusal`, to throw; logs the window's first refusal.
 *
 * @example
 * ```ts
 * import type { RateLimiter } from "./rate_limit.ts";
 * declare const limiter: RateLimiter;
 * const decision = await limiter.hit("session-id");
 * if (!decision.allowed) {
 *   throw rateLimitRefusal(decision, {
 *     method: "POST",
 *     route: "/api/notify-me",
 *     userId: "github:42",
 *   });
 * }
 * ```
 */
export function rateLimitRefusal(
  refusal: RateLimitRefusal,
  context: RefusalContext,
): HttpError {
  // Every refusal is counted (the warning is once per key and window); the
  // user is not a label: one series per user would be unbounded.
  if (telemetryEnabled) {
    instruments.rateLimitRefusals.add(1, {
      "http.route": context.route,
      "http.request.method": context.method,
    });
  }
  if (refusal.firstRefusal) {
    logger.warn("{method} {route} refused: rate limit reached for {userId}", {
      method: context.method,
      route: context.route,
      userId: context.userId,
    });
  }
  return new HttpError(429, "Too Many Requests", {
    retryAfter: refusal.retryAfterSeconds,
  });
}
