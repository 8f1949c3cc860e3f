/**
 * Which responses must never be stored by a cache, and the headers that say
 * so. A page rendered for one signed-in visitor (their name, their room, a
 * sign-out form) must not be served to the next person behind the same
 * shared cache, nor kept on disk by the browser (RFC 9111 §5.2.2.5
 * `no-store`, §5.2.2.7 `private`); `Vary: Cookie` (RFC 9110 §12.5.5) tells
 * any cache that does keep a copy that the answer depends on the cookie.
 *
 * The rule is deliberately coarse, so that no new page can slip through:
 *
 * - every `/auth/*` and `/api/*` response (sign-in steps, tokens, notices);
 * - every HTML response for a request that carried a session cookie, valid
 *   or not, or for which a session was found.
 *
 * Everything else is left as the route or the runtime set it, so static files
 * and island bundles keep `public, max-age=31536000, immutable`, and a page
 * for an anonymous visitor stays cacheable.
 *
 * `lib/app/middleware.ts` applies it to every response of the chain, and
 * `routes/_500.tsx` to the error page, rendered outside it.
 */
/** The `Cache-Control` of a personalised response. */
export const PRIVATE_NO_STORE = "private, no-store";

/**
 * Whether `response` to `request` depends on who is signed in.
 * `hasSession`: whether the request carried a session cookie or a session
 * was found for it; asked only of HTML answers.
 */
export function isPersonalised(
  request: Request,
  response: Response,
  hasSession: () => boolean,
): boolean {
  const { pathname } = new URL(request.url);
  if (pathname.startsWith("/auth/") || pathname.startsWith("/api/")) {
    return true;
  }
  const html = response.headers.get("content-type")?.startsWith("text/html") ??
    false;
  return html && hasSession();
}

/**
 * `response`, marked `private, no-store` and `Vary: Cookie` when
 * `isPersonalised`; otherwise unchanged. A response whose headers cannot be
 * changed (`Response.redirect`) is copied.
 */
export function withPrivateCaching(
  request: Request,
  response: Response,
  hasSession: () => boolean,
): Response {
  if (!isPersonalised(request, response, hasSession)) return response;
  try {
    mark(response.headers);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(response.body, response);
    mark(copy.headers);
    return copy;
  }
}

function mark(headers: Headers): void {
  headers.set("cache-control", PRIVATE_NO_STORE);
  const vary = headers.get("vary");
  const listed = vary?.split(",").map((v) => v.trim().toLowerCase()) ?? [];
  if (!listed.includes("cookie") && !listed.includes("*")) {
    headers.set("vary", vary ? `${vary}, Cookie` : "Cookie");
  }
}
