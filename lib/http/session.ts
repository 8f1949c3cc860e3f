/**
 * The session of an API request: `/api/` routes read it themselves (the
 * page middleware skips them, `lib/app/middleware.ts`), reading the cookie
 * once — its id finds the user, then keys the route's rate limit.
 */
import { isSameOrigin, type ProxyOptions } from "./request_origin.ts";
import { forbidden, unauthorized } from "./json.ts";

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

/** The request's session, or `null` for no, malformed, unknown or expired ones. */
export async function apiSession<U>(
  req: Request,
  auth: SessionReader<U>,
): Promise<ApiSession<U> | null> {
  const sessionId = auth.getSessionId(req);
  if (sessionId === null) return null;
  const found = await auth.sessions.lookup(sessionId);
  return found === null ? null : { sessionId, ...found };
}

/**
 * The session of a state-changing API request, or the answer refusing it:
 * 403 when `Origin` is not this site's (checked first: a cross-site request
 * learns nothing about the session), 401 without a valid session.
 *
 * @example
 * ```ts
 * const session = await stateChangeSession(req, ctx.state);
 * if (session instanceof Response) return session;
 * ```
 */
export async function stateChangeSession<U>(
  req: Request,
  state: { auth: SessionReader<U>; config: ProxyOptions },
): Promise<ApiSession<U> | Response> {
  if (!isSameOrigin(req, state.config)) return forbidden();
  return await apiSession(req, state.auth) ?? unauthorized();
}
