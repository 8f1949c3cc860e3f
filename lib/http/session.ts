/**
 * What an `/api/` route asks the edge for, per request (`ApiRequest`): the
 * session, the Origin check of a state change, and the route's rate limit.
 * The API middleware (`lib/app/middleware.ts`) puts one on `ctx.state.api`
 * for every `/api/` request; nothing is read until a route asks, so a route
 * that needs no session costs no KV read, and each check runs in the order
 * the route asks for it. Each refusal is thrown as an `HttpError`, which the
 * same middleware answers in JSON.
 *
 * The session cookie is read once: its id finds the user, then keys a
 * per-session rate limit.
 */
import { isSameOrigin, type ProxyOptions } from "./request_origin.ts";
import { forbidden, unauthorized } from "./json.ts";
import type { RateLimiter } from "./rate_limit.ts";
import { rateLimitRefusal } from "./rate_limit_refusal.ts";
import { getLogger } from "../platform/mod.ts";

const logger = getLogger(["live", "api"]);

/**
 * How the edge reads a session: the cookie's id without I/O, then the
 * stored session by id. `lib/auth/`'s `Auth` is one.
 */
export interface SessionReader<U> {
  /** The well-formed session id the request carries, or `null`. */
  getSessionId(request: Request): string | null;
  sessions: {
    /** The session's user and when its read began, or `null`. */
    lookup(id: string): Promise<{ user: U; readAt: number } | null>;
  };
}

/** A request's valid session and its user. */
export interface ApiSession<U> {
  sessionId: string;
  user: U;
  /** Epoch ms the KV read that found the session began (see `SessionStore.lookup`). */
  readAt: number;
}

/** One `/api/` request's checks, each run when the route first asks. */
export interface ApiRequest<U> {
  /**
   * The request's session, read once however often asked.
   *
   * @throws {HttpError} 401 for no, malformed, unknown or expired sessions,
   * with one warning naming the route and why (never the cookie).
   */
  session(): Promise<ApiSession<U>>;
  /**
   * The session of a state-changing request: `Origin` must be this site's
   * (checked first, so a cross-site request learns nothing about the
   * session), then `session()`.
   *
   * @throws {HttpError} 403 from another origin, 401 as `session()`.
   */
  stateChange(): Promise<ApiSession<U>>;
  /**
   * Counts one request of the session (`per: "session"`), of its user
   * (`"user"`: all their sessions together) or of what it acts on
   * (`{ target }`: whoever asks, say a login invited) against `limiter`.
   * Called after
   * the session and the input were checked, so that forged ids can neither
   * fill the limiter nor spend a real session's allowance.
   *
   * @throws {HttpError} 429 with `Retry-After` past the limit
   * (`rate_limit_refusal.ts`), 401 as `session()`.
   */
  limit(
    limiter: RateLimiter,
    per: "session" | "user" | { target: string },
  ): Promise<void>;
}

/** Where a request went, for the edge's log lines. */
export interface ApiRoute {
  /** `"GET"`, `"POST"`, … */
  method: string;
  /** The route's pattern, `/api/rooms/:id`: never the ids themselves. */
  route: string;
}

/**
 * The checks of one `/api/` request.
 *
 * @example
 * ```ts
 * declare const req: Request;
 * declare const state: Parameters<typeof apiRequest>[1];
 * const api = apiRequest(req, state, { method: req.method, route: "/api/rooms" });
 * const { user } = await api.stateChange();
 * ```
 */
export function apiRequest<U extends { id: string }>(
  req: Request,
  state: { auth: SessionReader<U>; config: ProxyOptions },
  where: ApiRoute,
): ApiRequest<U> {
  let reading: Promise<ApiSession<U>> | undefined;
  const session = () => reading ??= readSession(req, state.auth, where);
  return {
    session,
    stateChange() {
      if (!isSameOrigin(req, state.config)) return Promise.reject(forbidden());
      return session();
    },
    async limit(limiter, per) {
      const { sessionId, user } = await session();
      const key = per === "user"
        ? user.id
        : per === "session"
        ? sessionId
        : "target:" + per.target;
      const decision = await limiter.hit(key);
      if (!decision.allowed) {
        throw rateLimitRefusal(decision, { ...where, userId: user.id });
      }
    },
  };
}

async function readSession<U>(
  req: Request,
  auth: SessionReader<U>,
  { method, route }: ApiRoute,
): Promise<ApiSession<U>> {
  const sessionId = auth.getSessionId(req);
  const found = sessionId === null
    ? null
    : await auth.sessions.lookup(sessionId);
  if (sessionId === null || found === null) {
    const reason = sessionId === null
      ? "no or malformed session cookie"
      : "unknown or expired session";
    logger.warn("{method} {route} refused: {reason}", {
      method,
      route,
      reason,
    });
    throw unauthorized();
  }
  return { sessionId, ...found };
}
