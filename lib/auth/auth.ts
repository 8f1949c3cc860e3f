/**
 * The sign-in, as four helpers shaped like deno_kv_oauth's: `signIn`,
 * `handleCallback`, `signOut`, `getSessionId`, plus `getSessionUser`, the
 * one look-up pages and the token route make. `createAuth` binds them to one
 * KV store and provider (the `Auth` the routes use); each step is also a
 * plain exported function of `AuthDeps` (`startSignIn`, `completeSignIn`,
 * `endSession`, `takeSignIn`, `identify`, …), so a test can drive one step.
 *
 * The flow is OAuth 2's authorization code grant with PKCE S256 and `state`
 * (RFC 6749 §4.1, RFC 7636), run by oauth4webapi against a `Provider`
 * (`providers.ts`):
 *
 * 1. `signIn` stores `["oauth", state]` → `{ codeVerifier, redirectTo,
 *    redirectUri, expiresAt }` for 10 minutes, sets the state cookie, and
 *    sends the browser to the provider.
 * 2. `handleCallback` first checks that the browser bringing `state` holds
 *    the state cookie set at step 1 (RFC 6749 §10.12), and only then takes
 *    the record exactly once (read, then delete under a versionstamp check):
 *    someone who merely learned a pending state cannot spend it and so
 *    cancel that sign-in. Then it checks the response (`iss`, `error=`),
 *    exchanges the code, learns the user, stores `["sessions", id]` under a
 *    new id, sets the session cookie and sends the browser to the stored
 *    target. Any failure throws an `AuthError` whose code the route maps to
 *    a status, carrying the stored target once the record was taken and the
 *    `Set-Cookie` that clears the state cookie; a failed exchange means
 *    signing in again, towards that same target.
 * 3. `signOut` deletes the session in KV and in this instance's cache and
 *    clears the cookie.
 *
 * No provider token is stored: the app needs who signed in, not access to
 * their account.
 */
import * as oauth from "oauth4webapi";
import { getLogger } from "../platform/mod.ts";
import { isSecureRequest, requestOrigin } from "../http/mod.ts";
import {
  clearSessionCookie,
  clearStateCookie,
  newSessionId,
  readSessionId,
  readStateCookie,
  sessionCookie,
  stateCookie,
} from "./cookies.ts";
import { AuthError } from "./errors.ts";
import type { Provider } from "./providers.ts";
import { safeRedirectTarget } from "./redirect.ts";
import type { SessionCacheOptions } from "./session_cache.ts";
import { createSessionStore, type SessionStore } from "./sessions.ts";
import { toUser, type User } from "./user.ts";
import { traceSignInStep } from "./flow_telemetry.ts";

/** How long a started sign-in may take before its state is refused. */
export const SIGN_IN_TTL_MS = 10 * 60 * 1000;

/** The path the provider sends the browser back to. */
export const CALLBACK_PATH = "/auth/callback";

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

/**
 * Work that must follow a sign-in before the session exists (the app saves
 * the user's record, whose login an owner invites by and whose name messages
 * and presence show). A throw fails the sign-in.
 */
export type SignInHook = (user: User) => Promise<void>;

/**
 * Work that must follow a sign-out (revoking the user's Ably tokens): it is
 * added to the same `kv.atomic()` that deletes the session, so the two
 * commit together, and may return an attempt to run at once after the
 * commit. The attempt must not throw and should be quick; what it does not
 * finish, the scheduled part does later.
 */
export type SessionEndHook = (
  op: Deno.AtomicOperation,
  user: User,
) => (() => Promise<void>) | void;

/** What every step of the flow works with: `createAuthDeps(options)`. */
export interface AuthDeps {
  kv: Deno.Kv;
  provider: Provider;
  sessions: SessionStore;
  sessionTtlSeconds: number;
  now: () => number;
  trustProxy: boolean;
  onSessionEnd: SessionEndHook | undefined;
  onSignIn: SignInHook | undefined;
}

/** What `["oauth", state]` holds between `signIn` and `handleCallback`. */
export interface SignInRecord {
  codeVerifier: string;
  /** Same-origin path to land on afterwards. */
  redirectTo: string;
  /** The `redirect_uri` sent, which the token request must repeat (RFC 6749 §4.1.3). */
  redirectUri: string;
  expiresAt: number;
}

/** A completed sign-in. */
export interface CallbackResult {
  /** 302 to the target, with the session cookie set. */
  response: Response;
  sessionId: string;
  user: User;
}

/** The sign-in helpers bound to one KV store and one provider. */
export interface Auth {
  /** Starts a sign-in: 302 to the provider. `redirect` (or `?redirect=`) is where to land after. */
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

const log = getLogger(["live", "auth"]);

/** The steps' dependencies from `AuthOptions`, the session store built here. */
export function createAuthDeps(options: AuthOptions): AuthDeps {
  const now = options.now ?? Date.now;
  return {
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
}

/**
 * The sign-in helpers.
 *
 * @example
 * ```ts
 * const auth = createAuth({ kv, provider, sessionTtlSeconds: 7 * 24 * 3600 });
 * const user = await auth.getSessionUser(request); // User | null
 * ```
 */
export function createAuth(options: AuthOptions): Auth {
  const deps = createAuthDeps(options);
  return {
    signIn: (request, signInOptions) =>
      startSignIn(deps, request, signInOptions),
    handleCallback: (request) => completeSignIn(deps, request),
    signOut: (request, signOutOptions) =>
      endSession(deps, request, signOutOptions),
    getSessionId: (request) => sessionIdOf(deps, request),
    getSessionUser: (request) => sessionUserOf(deps, request),
    provider: deps.provider,
    sessions: deps.sessions,
  };
}

/** Whether cookies for `request` get `Secure` and `__Host-`. */
function secureCookies(deps: AuthDeps, request: Request): boolean {
  return isSecureRequest(request, deps);
}

/** Starts a sign-in: the record in KV, the state cookie, 302 to the provider. */
export function startSignIn(
  deps: AuthDeps,
  request: Request,
  options: { redirect?: string } = {},
): Promise<Response> {
  return traceSignInStep(
    "start",
    deps.provider.name,
    () => beginSignIn(deps, request, options),
  );
}

async function beginSignIn(
  deps: AuthDeps,
  request: Request,
  options: { redirect?: string },
): Promise<Response> {
  const { kv, provider } = deps;
  const url = new URL(request.url);
  const redirectTo = safeRedirectTarget(
    options.redirect ?? url.searchParams.get("redirect"),
  );
  let as: oauth.AuthorizationServer;
  try {
    as = await authorizationServer(deps);
    // Checked before the record is written: a sign-in that cannot leave
    // for the provider must not cost a KV entry.
    if (!as.authorization_endpoint) {
      throw new AuthError(
        "provider_unavailable",
        "the provider has no authorization endpoint",
      );
    }
  } catch (error) {
    log.warn("sign-in could not start: {reason}", {
      reason: error instanceof AuthError ? error.code : "unknown",
      provider: provider.name,
    });
    throw error instanceof AuthError ? rebuilt(error, { redirectTo }) : error;
  }
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  // The origin the browser addressed (behind a trusted proxy: its https
  // origin), so the provider sends the browser back where it can go.
  const origin = requestOrigin(request, deps);
  const redirectUri = new URL(CALLBACK_PATH, origin.origin).href;
  const record: SignInRecord = {
    codeVerifier,
    redirectTo,
    redirectUri,
    expiresAt: deps.now() + SIGN_IN_TTL_MS,
  };
  await kv.set(["oauth", state], record, { expireIn: SIGN_IN_TTL_MS });

  const target = new URL(as.authorization_endpoint);
  target.searchParams.set("response_type", "code");
  target.searchParams.set("client_id", provider.client.client_id);
  target.searchParams.set("redirect_uri", redirectUri);
  target.searchParams.set("scope", provider.scope);
  target.searchParams.set("state", state);
  // RFC 7636 §4.2–4.3: only the S256 challenge leaves the server.
  target.searchParams.set(
    "code_challenge",
    await oauth.calculatePKCECodeChallenge(codeVerifier),
  );
  target.searchParams.set("code_challenge_method", "S256");

  const headers = new Headers({
    Location: target.href,
    "Cache-Control": "no-store",
  });
  headers.append(
    "Set-Cookie",
    stateCookie(origin.secure, state, SIGN_IN_TTL_MS / 1000),
  );
  return new Response(null, { status: 302, headers });
}

/**
 * Finishes a sign-in at `CALLBACK_PATH`. A failure is logged as a warning
 * with its reason and thrown as an `AuthError` whose `setCookie` clears the
 * state cookie; anything else (KV down) is the app's own error and goes up
 * as it is.
 *
 * @throws {AuthError}
 */
export function completeSignIn(
  deps: AuthDeps,
  request: Request,
): Promise<CallbackResult> {
  return traceSignInStep(
    "callback",
    deps.provider.name,
    () => finishCallback(deps, request),
  );
}

async function finishCallback(
  deps: AuthDeps,
  request: Request,
): Promise<CallbackResult> {
  const secure = secureCookies(deps, request);
  try {
    return await verifyAndFinish(deps, request, secure);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    log.warn("sign-in failed: {reason}", {
      reason: error.code,
      provider: deps.provider.name,
      providerError: error.providerError,
    });
    // The sign-in this cookie names is over either way (or was never this
    // browser's): a stale cookie must not linger for 10 minutes.
    throw rebuilt(error, { setCookie: [clearStateCookie(secure)] });
  }
}

async function verifyAndFinish(
  deps: AuthDeps,
  request: Request,
  secure: boolean,
): Promise<CallbackResult> {
  const url = new URL(request.url);
  const state = url.searchParams.get("state");
  // RFC 6749 §4.1.2: the provider must return the `state` it was given.
  if (!state) {
    throw new AuthError("missing_state", "the callback carried no state");
  }
  // Unknown or expired: said as such, without touching the record.
  if (await peekSignIn(deps, state) === null) {
    throw new AuthError("invalid_state", "unknown or expired sign-in");
  }
  // RFC 6749 §10.12: the state must belong to this browser, or anyone
  // could sign a victim in as themselves with a callback URL of their own.
  // Checked before the record is taken, so that a callback without the
  // cookie (someone who learned the state) cannot cancel the real one; and
  // without naming the record's target, which is the other browser's.
  if (readStateCookie(request, secure) !== state) {
    throw new AuthError(
      "state_mismatch",
      "this sign-in was started in another browser",
    );
  }
  const record = await takeSignIn(deps, state);
  try {
    return await finishSignIn(deps, request, url, state, record, secure);
  } catch (error) {
    throw error instanceof AuthError
      ? rebuilt(error, { redirectTo: record.redirectTo })
      : error;
  }
}

/** What follows once the sign-in's record is taken: the user, the session, the redirect. */
async function finishSignIn(
  deps: AuthDeps,
  request: Request,
  url: URL,
  state: string,
  record: SignInRecord,
  secure: boolean,
): Promise<CallbackResult> {
  const { sessions, provider } = deps;
  const user = await identify(deps, url, state, record);

  // A new id at every sign-in, whatever the browser had (no fixation); the
  // old session, if any, ends here, as at a sign-out: its tokens revoked.
  const previous = readSessionId(request, secure);
  if (previous) await endStoredSession(deps, previous);
  const sessionId = newSessionId();
  await deps.onSignIn?.(user);
  await sessions.create(sessionId, user);
  log.info("signed in {userId} with {provider}", {
    userId: user.id,
    provider: provider.name,
  });

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
    user,
  };
}

/**
 * The provider's half of the callback: check the response, exchange the
 * code, learn the user. Whatever else breaks on the way (network, a
 * malformed answer) is the provider's failure: `provider_unavailable`.
 */
export function identify(
  deps: AuthDeps,
  url: URL,
  state: string,
  record: SignInRecord,
): Promise<User> {
  return traceSignInStep(
    "exchange",
    deps.provider.name,
    () => exchangeForUser(deps, url, state, record),
  );
}

async function exchangeForUser(
  deps: AuthDeps,
  url: URL,
  state: string,
  record: SignInRecord,
): Promise<User> {
  try {
    return await exchange(deps, url, state, record);
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError(
      "provider_unavailable",
      "the provider could not complete the sign-in",
      { cause: error },
    );
  }
}

async function exchange(
  deps: AuthDeps,
  url: URL,
  state: string,
  record: SignInRecord,
): Promise<User> {
  const { provider } = deps;
  const as = await authorizationServer(deps);
  // RFC 6749 §3.1: a response parameter must not appear more than once;
  // which copy counts would depend on the parser.
  for (const name of new Set(url.searchParams.keys())) {
    if (url.searchParams.getAll(name).length > 1) {
      throw new AuthError("invalid_response", "a parameter appears twice");
    }
  }
  let params: URLSearchParams;
  try {
    // RFC 9207 §2.4: `iss`, when sent (required when the provider
    // advertises `authorization_response_iss_parameter_supported`), must be
    // the provider's issuer; RFC 6749 §4.1.2: `state` must match;
    // RFC 6749 §4.1.2.1: `error=` is a refusal, not a code.
    params = oauth.validateAuthResponse(
      as,
      provider.client,
      url.searchParams,
      state,
    );
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new AuthError(
        "provider_denied",
        "the provider refused the sign-in",
        {
          providerError: plainErrorCode(error.error),
        },
      );
    }
    if (
      error instanceof oauth.OperationProcessingError &&
      /"iss"/.test(error.message)
    ) {
      throw new AuthError(
        "issuer_mismatch",
        "the response names another issuer, or none",
      );
    }
    // What is malformed here is the callback URL the browser brought,
    // whoever wrote it: a bad request, not a provider outage.
    throw new AuthError(
      "invalid_response",
      "the authorization response is malformed",
      { cause: error },
    );
  }

  // RFC 6749 §4.1.2: a successful response carries the code.
  if (!params.get("code")) {
    throw new AuthError("invalid_response", "the callback carried no code");
  }

  let tokens: oauth.TokenEndpointResponse;
  try {
    // RFC 7636 §4.5: the verifier proves this server started the sign-in;
    // RFC 6749 §4.1.3: the same redirect_uri as in the request.
    let response = await oauth.authorizationCodeGrantRequest(
      as,
      provider.client,
      provider.clientAuth,
      params,
      record.redirectUri,
      record.codeVerifier,
      provider.requestOptions(),
    );
    if (provider.normalizeTokenResponse) {
      response = await provider.normalizeTokenResponse(response);
    }
    // RFC 6749 §5.1 (and OIDC Core §3.1.3.7 for the ID token): oauth4webapi
    // checks the response shape, token type, and the ID token's iss/aud/exp.
    tokens = await oauth.processAuthorizationCodeResponse(
      as,
      provider.client,
      response,
      provider.openid ? { requireIdToken: true } : undefined,
    );
  } catch (error) {
    // RFC 6749 §5.2: the provider refused the code or the verifier.
    if (error instanceof oauth.ResponseBodyError) {
      throw new AuthError("token_rejected", "the provider refused the code", {
        providerError: plainErrorCode(error.error),
      });
    }
    throw error;
  }

  return toUser(provider.name, await provider.fetchProfile(as, tokens));
}

/** The sign-in record of `state`, read only; `null` when unknown, expired or absurd. */
async function peekSignIn(
  deps: AuthDeps,
  state: string,
): Promise<SignInRecord | null> {
  if (state.length > 512) return null;
  const { value } = await deps.kv.get<SignInRecord>(["oauth", state]);
  // KV expiry is lazy: check the record's own deadline too.
  return value !== null && value.expiresAt > deps.now() ? value : null;
}

/**
 * Reads and deletes `["oauth", state]` as one step: of two callbacks
 * racing with the same state, the versionstamp check lets one through
 * (RFC 6749 §10.5: a code, and so its state, is single use).
 */
export async function takeSignIn(
  deps: AuthDeps,
  state: string,
): Promise<SignInRecord> {
  const { kv } = deps;
  if (state.length > 512) {
    throw new AuthError("invalid_state", "unknown or expired sign-in");
  }
  const key = ["oauth", state];
  const entry = await kv.get<SignInRecord>(key);
  if (entry.value === null) {
    throw new AuthError("invalid_state", "unknown or expired sign-in");
  }
  // From here the record is known, so a failure can still say where the
  // sign-in was to land.
  const { redirectTo } = entry.value;
  const { ok } = await kv.atomic().check(entry).delete(key).commit();
  if (!ok) {
    throw new AuthError("invalid_state", "this sign-in was already used", {
      redirectTo,
    });
  }
  // KV expiry is lazy: check the record's own deadline too.
  if (entry.value.expiresAt <= deps.now()) {
    throw new AuthError("invalid_state", "unknown or expired sign-in", {
      redirectTo,
    });
  }
  return entry.value;
}

async function authorizationServer(
  deps: AuthDeps,
): Promise<oauth.AuthorizationServer> {
  try {
    return await deps.provider.authorizationServer();
  } catch (error) {
    throw new AuthError(
      "provider_unavailable",
      "the provider's configuration could not be read",
      { cause: error },
    );
  }
}

/** Ends the request's session: 303 to `redirect` (default `/`), cookie cleared. */
export async function endSession(
  deps: AuthDeps,
  request: Request,
  options: { redirect?: string } = {},
): Promise<Response> {
  const secure = secureCookies(deps, request);
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
 * Deletes session `sessionId` together with what must follow its end (the
 * `SessionEndHook`: revoking its user's tokens), then runs the hook's
 * attempt. Sign-out and a sign-in that replaces a session both end here.
 * Returns the session's user, or `null` when there was none.
 */
async function endStoredSession(
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

/** The well-formed session id the request carries, or `null`. No KV read. */
export function sessionIdOf(deps: AuthDeps, request: Request): string | null {
  return readSessionId(request, secureCookies(deps, request));
}

/** The signed-in user, or `null`. At most one KV read. */
export function sessionUserOf(
  deps: AuthDeps,
  request: Request,
): Promise<User | null> {
  const sessionId = sessionIdOf(deps, request);
  return sessionId ? deps.sessions.getUser(sessionId) : Promise.resolve(null);
}

/** `error` again, with what it lacked of `extra`: the sign-in's target, cookies to send. */
function rebuilt(
  error: AuthError,
  extra: { redirectTo?: string; setCookie?: readonly string[] },
): AuthError {
  return new AuthError(error.code, error.message, {
    providerError: error.providerError,
    redirectTo: error.redirectTo ?? extra.redirectTo,
    setCookie: [...error.setCookie, ...(extra.setCookie ?? [])],
    cause: error.cause,
  });
}

/** The provider's `error` value if it is a plain token (RFC 6749 §4.1.2.1 allows only %x20-21 / %x23-5B / %x5D-7E); otherwise `undefined`. */
function plainErrorCode(value: unknown): string | undefined {
  return typeof value === "string" && /^[a-z_]{1,64}$/.test(value)
    ? value
    : undefined;
}
