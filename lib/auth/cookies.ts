/**
 * The two cookies of the sign-in, read and written here only.
 *
 * - the session cookie holds a session id and nothing else: 32 random bytes,
 *   base64url, exactly 43 characters. `__Host-session` (Secure) over https;
 *   `session` over plain http, which the app only serves on loopback.
 *   `__Host-` (RFC 6265bis §4.1.3.2) makes a browser refuse the cookie unless
 *   it is Secure, Path=/ and without Domain, so no sibling subdomain or
 *   plain-http page can plant or shadow it.
 * - the state cookie (`__Host-oauth-state` / `oauth-state`) holds the `state`
 *   of a sign-in in progress, 10 minutes, so the callback can tell that the
 *   browser bringing the code is the one that started (RFC 6749 §10.12).
 *
 * Both: HttpOnly, SameSite=Lax (the provider's redirect back is a top-level
 * GET, which Lax lets through), Path=/. Reading is strict: a header that is
 * oversized, names the cookie twice, or holds a value of the wrong shape
 * yields "no cookie", never an exception.
 *
 * Whether a request is "over https" is the caller's `secure`, from
 * `lib/http/request_origin.ts` (which knows about `TRUST_PROXY`): the same
 * request must get the same answer when a cookie is set and when it is read.
 */
import { randomId } from "../platform/mod.ts";

/** Longest Cookie header read at all; browsers send far less for this app. */
export const MAX_COOKIE_HEADER = 8192;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const STATE = /^[A-Za-z0-9_-]{43}$/;

/** The session cookie's name: `__Host-session` when `secure`. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-session" : "session";
}

/** The state cookie's name: `__Host-oauth-state` when `secure`. */
export function stateCookieName(secure: boolean): string {
  return secure ? "__Host-oauth-state" : "oauth-state";
}

/** A fresh session id: 32 random bytes, base64url (43 characters). */
export function newSessionId(): string {
  return randomId(32);
}

/** The session id the request carries, or `null` for none or a malformed one. */
export function readSessionId(
  request: Request,
  secure: boolean,
): string | null {
  const value = readCookie(request, sessionCookieName(secure));
  return value !== null && SESSION_ID.test(value) ? value : null;
}

/**
 * Whether the request carries a session cookie under either name, well
 * formed or not: its response may depend on who is signed in.
 */
export function carriesSessionCookie(request: Request): boolean {
  const header = request.headers.get("cookie");
  if (header === null) return false;
  return header.split(";").some((pair) => {
    const name = pair.slice(0, pair.indexOf("=")).trim();
    return name === "session" || name === "__Host-session";
  });
}

/** The sign-in state the request carries, or `null`. */
export function readStateCookie(
  request: Request,
  secure: boolean,
): string | null {
  const value = readCookie(request, stateCookieName(secure));
  return value !== null && STATE.test(value) ? value : null;
}

/** `Set-Cookie` value carrying a session id for `maxAgeSeconds`. */
export function sessionCookie(
  secure: boolean,
  sessionId: string,
  maxAgeSeconds: number,
): string {
  return serialize(secure, sessionCookieName(secure), sessionId, maxAgeSeconds);
}

/** `Set-Cookie` value that removes the session cookie. */
export function clearSessionCookie(secure: boolean): string {
  return serialize(secure, sessionCookieName(secure), "", 0);
}

/** `Set-Cookie` value carrying a sign-in's state for `maxAgeSeconds`. */
export function stateCookie(
  secure: boolean,
  state: string,
  maxAgeSeconds: number,
): string {
  return serialize(secure, stateCookieName(secure), state, maxAgeSeconds);
}

/** `Set-Cookie` value that removes the state cookie. */
export function clearStateCookie(secure: boolean): string {
  return serialize(secure, stateCookieName(secure), "", 0);
}

/**
 * The value of cookie `name`, or `null` when absent, when present more than
 * once (which copy the server would see depends on the parser: refuse both),
 * or when the header is oversized.
 */
function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (header === null || header.length > MAX_COOKIE_HEADER) return null;
  let found: string | null = null;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    if (found !== null) return null;
    found = pair.slice(eq + 1).trim();
  }
  return found;
}

function serialize(
  secure: boolean,
  name: string,
  value: string,
  maxAgeSeconds: number,
): string {
  // RFC 6265bis §4.1.3.2: a __Host- cookie must be Secure, Path=/, no Domain.
  const attribute = secure ? "; Secure" : "";
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Lax${attribute}`;
}
