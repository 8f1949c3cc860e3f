/**
 * Where a browser may be sent after sign-in: `?redirect=` is honoured only
 * when it names a path on this site. Anything else becomes `/`, so the
 * sign-in can never be used as an open redirect (RFC 6749 §10.15), the flaw
 * deno_kv_oauth's `success_url` has. `signInPath` builds the link that starts
 * a sign-in towards such a target (the failure page's "Try again").
 */

/** The route that starts a sign-in (`routes/auth/signin.ts`). */
export const SIGN_IN_PATH = "/auth/signin";

const MAX_TARGET_LENGTH = 2048;
const ORIGIN = "http://target.invalid";

/**
 * A same-origin relative target (path, query, fragment), or `/`.
 *
 * Refused: absolute URLs (`https://evil.example`), scheme-relative ones
 * (`//evil.example`), backslashes (`/\evil`, which browsers read as `//`),
 * other schemes (`javascript:`), control characters, and any of these hidden
 * behind percent-encoding.
 *
 * @example
 * ```ts
 * safeRedirectTarget("/rooms/1?x=2"); // "/rooms/1?x=2"
 * safeRedirectTarget("//evil.example"); // "/"
 * ```
 */
export function safeRedirectTarget(raw: string | null | undefined): string {
  if (!raw || raw.length > MAX_TARGET_LENGTH) return "/";
  if (looksHostile(raw)) return "/";
  // Undo nested percent-encoding so `/%2F%2Fevil` and `%5C` are seen for what
  // a lenient hop downstream might turn them into.
  let decoded = raw;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return "/";
    }
    if (next === decoded) break;
    if (looksHostile(next)) return "/";
    decoded = next;
  }
  let url: URL;
  try {
    url = new URL(raw, ORIGIN);
  } catch {
    return "/";
  }
  if (url.origin !== ORIGIN) return "/";
  const target = url.pathname + url.search + url.hash;
  return target.startsWith("//") ? "/" : target;
}

/**
 * The path that starts a sign-in landing on `target` afterwards: `target` is
 * checked again with `safeRedirectTarget` (it may come from a stored record
 * or a request), and `/`, where a sign-in lands anyway, adds nothing.
 *
 * @example
 * ```ts
 * signInPath("/rooms/1?x=2"); // "/auth/signin?redirect=%2Frooms%2F1%3Fx%3D2"
 * signInPath("https://evil.example"); // "/auth/signin"
 * signInPath(undefined); // "/auth/signin"
 * ```
 */
export function signInPath(target: string | null | undefined): string {
  const safe = safeRedirectTarget(target);
  return safe === "/"
    ? SIGN_IN_PATH
    : `${SIGN_IN_PATH}?redirect=${encodeURIComponent(safe)}`;
}

/** Not a plain path: no leading `/`, a second `/` (scheme-relative), a backslash or a control character. */
function looksHostile(value: string): boolean {
  return !value.startsWith("/") || value.startsWith("//") ||
    // deno-lint-ignore no-control-regex -- control characters are what we look for
    /[\\\u0000-\u001f\u007f]/.test(value);
}
