/**
 * The end of a session, the one way there is: `endStoredSession` deletes it
 * in KV together with what must follow (the `SessionEndHook`: revoking its
 * user's tokens) and forgets it in this instance's cache. A sign-out
 * (`endSession`) and a sign-in that replaces a session (`callback.ts`) both
 * end it here.
 */
import { getLogger } from "../platform/mod.ts";
import { isSecureRequest } from "../http/mod.ts";
import { clearSessionCookie, readSessionId } from "./cookies.ts";
import type { AuthDeps } from "./deps.ts";
import { safeRedirectTarget } from "./redirect.ts";
import type { User } from "./user.ts";

const log = getLogger(["live", "auth"]);

/** Signs out: ends the request's session, 303 to `redirect` (default `/`), cookie cleared. */
export async function endSession(
  deps: AuthDeps,
  request: Request,
  options: { redirect?: string } = {},
): Promise<Response> {
  const secure = isSecureRequest(request, deps);
  const sessionId = readSessionId(request, secure);
  if (sessionId) {
    const user = await endStoredSession(deps, sessionId);
    if (user) log.info("signed out {userId}", { userId: user.id });
  }
  const headers = new Headers({
    Location: safeRedirectTarget(options.redirect),
    "Cache-Control": "no-store",
  });
  headers.append("Set-Cookie", clearSessionCookie(secure));
  return new Response(null, { status: 303, headers });
}

/**
 * Deletes session `sessionId` in the same atomic commit as the
 * `SessionEndHook`'s work, then runs the hook's attempt. Returns the
 * session's user, or `null` when there was none.
 */
export async function endStoredSession(
  deps: AuthDeps,
  sessionId: string,
): Promise<User | null> {
  const user = await deps.sessions.getUser(sessionId);
  const op = deps.kv.atomic();
  deps.sessions.deleteIn(op, sessionId);
  const followUp = user ? deps.onSessionEnd?.(op, user) : undefined;
  await op.commit();
  deps.sessions.forget(sessionId);
  await followUp?.();
  return user;
}
