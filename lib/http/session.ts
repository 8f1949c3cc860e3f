/**
 * The session of an API request: `/api/` routes read it themselves (the
 * page middleware skips them, `lib/app/middleware.ts`), reading the cookie
 * once — its id finds the user, then keys the route's rate limit.
 */
import type { Auth, User } from "../auth/mod.ts";

/** A request's valid session and its user. */
export interface ApiSession {
  sessionId: string;
  user: User;
}

/** The request's session, or `null` for no, malformed, unknown or expired ones. */
export async function apiSession(
  req: Request,
  auth: Pick<Auth, "getSessionId" | "sessions">,
): Promise<ApiSession | null> {
  const sessionId = auth.getSessionId(req);
  if (sessionId === null) return null;
  const user = await auth.sessions.getUser(sessionId);
  return user === null ? null : { sessionId, user };
}
