/**
 * Sign-in as one object: `createAuth` binds the steps to one KV store and
 * one provider and returns the `Auth` the routes use, shaped like
 * deno_kv_oauth's helpers: `signIn`, `handleCallback`, `signOut`,
 * `getSessionId`, plus `getSessionUser`, the one look-up pages and the token
 * route make. Each call runs inside its span (`flow_telemetry.ts`).
 *
 * The flow is OAuth 2's authorization code grant with PKCE S256 and `state`
 * (RFC 6749 §4.1, RFC 7636), run by oauth4webapi against a `Provider`
 * (`providers.ts`), one module a step:
 *
 * 1. `sign_in_start.ts`: the pending sign-in (`pending_sign_in.ts`,
 *    `["oauth", state]` for 10 minutes), the state cookie, 302 to the
 *    provider.
 * 2. `callback.ts`: the state checked against the pending sign-in and this
 *    browser's cookie, the pending sign-in taken once, the provider's half
 *    (`exchange.ts`: the response, the code, the user), a new
 *    `["sessions", id]`, the session cookie, 302 to the target. A failure
 *    is an `AuthError` whose code the route maps to a status.
 * 3. `sign_out.ts`: the session deleted with its follow-up (the tokens'
 *    revocation), in KV and in this instance's cache, the cookie cleared.
 *
 * No provider token is stored: the app needs who signed in, not access to
 * their account.
 */
import { isSecureRequest } from "../http/mod.ts";
import { readSessionId } from "./cookies.ts";
import { type CallbackResult, completeSignIn } from "./callback.ts";
import type { AuthDeps, SessionEndHook, SignInHook } from "./deps.ts";
import { traceSignInStep } from "./flow_telemetry.ts";
import type { Provider } from "./providers.ts";
import type { SessionCacheOptions } from "./session_cache.ts";
import { createSessionStore, type SessionStore } from "./sessions.ts";
import { endSession } from "./sign_out.ts";
import { startSignIn } from "./sign_in_start.ts";
import type { User } from "./user.ts";

export interface AuthOptions {
  kv: Deno.Kv;
  provider: Provider;
  /** How long a sign-in lasts (`SESSION_TTL_SECONDS`). */
  sessionTtlSeconds: number;
  /**
   * The per-instance session cache of `getSessionUser`. On by default
   * (10,000 sessions, 500 ms each, never past a session's expiry), because
   * every page and every `/api/live` call looks the session up; a sign-out
   * on another instance then takes up to `ttlMs` to be seen here. `false`
   * reads KV on every look-up.
   */
  sessionCache?: SessionCacheOptions | false;
  /** The clock, for tests; `Date.now` unless given. */
  now?: () => number;
  /**
   * Believe the proxy's forwarding headers about scheme and host
   * (`TRUST_PROXY`, `lib/http/request_origin.ts`): they decide the cookies'
   * `Secure`/`__Host-` and the `redirect_uri`. Off unless given.
   */
  trustProxy?: boolean;
  /** What must follow a sign-out; see `SessionEndHook`. */
  onSessionEnd?: SessionEndHook;
  /** What must follow a sign-in; see `SignInHook`. */
  onSignIn?: SignInHook;
}

/** The sign-in helpers bound to one KV store and one provider. */
export interface Auth {
  /** Starts a sign-in: 302 to the provider. `redirect` (or `?redirect=`) is where to land after. @throws {AuthError} */
  signIn(request: Request, options?: { redirect?: string }): Promise<Response>;
  /** Finishes a sign-in at `CALLBACK_PATH`. @throws {AuthError} */
  handleCallback(request: Request): Promise<CallbackResult>;
  /** Ends the request's session: 303 to `redirect` (default `/`), cookie cleared. */
  signOut(request: Request, options?: { redirect?: string }): Promise<Response>;
  /** The well-formed session id the request carries, or `null`. No KV read. */
  getSessionId(request: Request): string | null;
  /** The signed-in user, or `null` for no, expired or forged session. At most one KV read. */
  getSessionUser(request: Request): Promise<User | null>;
  /** The provider this instance signs in with. */
  readonly provider: Provider;
  /** The session store (tests, and the token route's look-up by id). */
  readonly sessions: SessionStore;
}

/**
 * The sign-in helpers.
 *
 * @example
 * ```ts
 * import type { Provider } from "./providers.ts";
 * declare const kv: Deno.Kv;
 * declare const provider: Provider;
 * declare const request: Request;
 * const auth = createAuth({ kv, provider, sessionTtlSeconds: 7 * 24 * 3600 });
 * const user = await auth.getSessionUser(request); // User | null
 * ```
 */
export function createAuth(options: AuthOptions): Auth {
  const now = options.now ?? Date.now;
  const deps: AuthDeps = {
    kv: options.kv,
    provider: options.provider,
    sessionTtlSeconds: options.sessionTtlSeconds,
    now,
    trustProxy: options.trustProxy ?? false,
    onSessionEnd: options.onSessionEnd,
    onSignIn: options.onSignIn,
    sessions: createSessionStore({
      kv: options.kv,
      ttlSeconds: options.sessionTtlSeconds,
      cache: options.sessionCache,
      now,
    }),
  };
  const { provider, sessions } = deps;
  const getSessionId = (request: Request) =>
    readSessionId(request, isSecureRequest(request, deps));
  return {
    signIn: (request, signInOptions) =>
      traceSignInStep(
        "start",
        provider.name,
        () => startSignIn(deps, request, signInOptions),
      ),
    handleCallback: (request) =>
      traceSignInStep(
        "callback",
        provider.name,
        () => completeSignIn(deps, request),
      ),
    signOut: (request, signOutOptions) =>
      endSession(deps, request, signOutOptions),
    getSessionId,
    getSessionUser: (request) => {
      const sessionId = getSessionId(request);
      return sessionId ? sessions.getUser(sessionId) : Promise.resolve(null);
    },
    provider,
    sessions,
  };
}
