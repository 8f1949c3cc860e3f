/**
 * The end of a sign-in, at `CALLBACK_PATH`: where the provider sends the
 * browser back with `code` and `state` (RFC 6749 §4.1.2).
 *
 * 1. The state: present, naming a pending sign-in (`pending_sign_in.ts`),
 *    and the one this browser's state cookie holds (RFC 6749 §10.12). All
 *    three are checked before the pending sign-in is taken, so that someone
 *    who merely learned a state cannot spend it and so cancel that sign-in.
 * 2. Taken exactly once (a versionstamp check), then the provider's half:
 *    the response, the code, the user (`exchange.ts`).
 * 3. A new session under a new id; the browser's previous one, if any, ends
 *    as at a sign-out (`sign_out.ts`).
 *
 * Every failure is an `AuthError`, enriched here and only here: logged as a
 * warning with its reason, carrying the `Set-Cookie` that clears the state
 * cookie, and, once the browser proved the pending sign-in its own, that
 * sign-in's target (so signing in again lands there). Anything else (KV
 * down) is the app's own error and goes up as it is.
 */
import { getLogger } from "../platform/mod.ts";
import { isSecureRequest } from "../http/mod.ts";
import {
  clearStateCookie,
  newSessionId,
  readSessionId,
  readStateCookie,
  sessionCookie,
} from "./cookies.ts";
import type { AuthDeps } from "./deps.ts";
import { AuthError } from "./errors.ts";
import { identify } from "./exchange.ts";
import { traceSignInStep } from "./flow_telemetry.ts";
import { findPendingSignIn, takePendingSignIn } from "./pending_sign_in.ts";
import { endStoredSession } from "./sign_out.ts";
import { sessionUser, type User } from "./user.ts";

/** A completed sign-in. */
export interface CallbackResult {
  /** 302 to the target, with the session cookie set. */
  response: Response;
  sessionId: string;
  user: User;
}

const log = getLogger(["live", "auth"]);

/**
 * Finishes a sign-in: 302 to its target with the session cookie.
 *
 * @throws {AuthError} whose `code` the route maps to a status.
 */
export async function completeSignIn(
  deps: AuthDeps,
  request: Request,
): Promise<CallbackResult> {
  const secure = isSecureRequest(request, deps);
  // Not named before the browser proved the sign-in its own: until then the
  // target may be another browser's.
  let redirectTo: string | undefined;
  try {
    const url = new URL(request.url);
    const state = url.searchParams.get("state");
    // RFC 6749 §4.1.2: the provider must return the `state` it was given.
    if (!state) {
      throw new AuthError("missing_state", "the callback carried no state");
    }
    const pending = await findPendingSignIn(deps.kv, state, deps.now());
    if (!pending) {
      throw new AuthError("invalid_state", "unknown or expired sign-in");
    }
    // RFC 6749 §10.12: the state must belong to this browser, or anyone
    // could sign a victim in as themselves with a callback URL of their own.
    if (readStateCookie(request, secure) !== state) {
      throw new AuthError(
        "state_mismatch",
        "this sign-in was started in another browser",
      );
    }
    const record = pending.value;
    redirectTo = record.redirectTo;
    await takePendingSignIn(deps.kv, pending);
    const user = await traceSignInStep(
      "exchange",
      deps.provider.name,
      () => identify(deps.provider, url.searchParams, record),
    );
    const sessionId = await startSession(deps, request, secure, user);
    const headers = new Headers({
      Location: record.redirectTo,
      "Cache-Control": "no-store",
    });
    headers.append(
      "Set-Cookie",
      sessionCookie(secure, sessionId, deps.sessionTtlSeconds),
    );
    headers.append("Set-Cookie", clearStateCookie(secure));
    return {
      response: new Response(null, { status: 302, headers }),
      sessionId,
      user: sessionUser(user),
    };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    log.warn("sign-in failed: {reason}", {
      reason: error.code,
      provider: deps.provider.name,
      providerError: error.providerError,
    });
    // The sign-in this cookie names is over either way (or was never this
    // browser's): a stale cookie must not linger for 10 minutes.
    throw new AuthError(error.code, error.message, {
      providerError: error.providerError,
      redirectTo,
      setCookie: [clearStateCookie(secure)],
      cause: error.cause,
    });
  }
}

/**
 * Stores a session for `user` under a new id, whatever the browser had (no
 * fixation); the browser's previous session ends here, as at a sign-out:
 * its tokens revoked.
 */
async function startSession(
  deps: AuthDeps,
  request: Request,
  secure: boolean,
  user: User,
): Promise<string> {
  const previous = readSessionId(request, secure);
  if (previous) await endStoredSession(deps, previous);
  const sessionId = newSessionId();
  await deps.onSignIn?.(user);
  await deps.sessions.create(sessionId, sessionUser(user));
  log.info("signed in {userId} with {provider}", {
    userId: user.id,
    provider: deps.provider.name,
  });
  return sessionId;
}
