/**
 * The app's middleware, one concern each, in the order a request meets them:
 *
 * 1. `securityHeaders`: every response leaves with the Content-Security-Policy
 *    and its companions (`lib/security_headers.ts`). It is first so that it
 *    sees every answer the others and the routes give, 404s included.
 * 2. `privateCaching`: a response that depends on the session (every
 *    `/auth/*` and `/api/*` answer, every page for a request with a session
 *    cookie) leaves as `private, no-store`, `Vary: Cookie`
 *    (`lib/private_caching.ts`).
 * 3. `sessionUser`: puts the signed-in user (or `null`) in `ctx.state.user`
 *    for every page.
 *
 * `State` is the app's one definition of `ctx.state`: handlers and pages type
 * their context with it.
 *
 * Static files and island bundles skip the session look-up: they are the same
 * for everyone, and a KV read per asset would be waste. `/api/` routes skip it
 * too: they answer in JSON and read the session themselves, so that a KV
 * failure becomes their JSON 500 rather than the HTML error page. A page whose
 * look-up fails (KV unreachable) is rendered as for an anonymous visitor and
 * the failure logged: public pages keep serving while the store is down, and
 * whatever needs the session (sign-in, the token route) reports the outage
 * itself.
 */
import type { FreshContext, MiddlewareHandler } from "$fresh/server.ts";
import type { User } from "../lib/auth/mod.ts";
import { getLogger } from "../lib/log.ts";
import { withPrivateCaching } from "../lib/private_caching.ts";
import { withSecurityHeaders } from "../lib/security_headers.ts";
import { services } from "../lib/services.ts";

/** `ctx.state` across the app. */
export interface State {
  /** The signed-in user; `null` for anonymous requests. */
  user: User | null;
}

const logger = getLogger(["live", "middleware"]);

/** Sets the security headers on whatever the rest of the chain answers. */
export async function securityHeaders(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  const { ably, config } = services();
  return withSecurityHeaders(
    req,
    await ctx.next(),
    ably.browserOptions,
    config,
  );
}

/** Marks session-dependent responses uncacheable; see the module comment. */
export async function privateCaching(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  const response = await ctx.next();
  return withPrivateCaching(req, response, Boolean(ctx.state.user));
}

/** Looks up the session of page requests; see the module comment. */
export async function sessionUser(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  const page =
    (ctx.destination === "route" && !ctx.url.pathname.startsWith("/api/")) ||
    ctx.destination === "notFound";
  ctx.state.user = null;
  if (page) {
    try {
      ctx.state.user = await services().auth.getSessionUser(req);
    } catch (error) {
      logger.error("session look-up failed for {path}: {error}", {
        path: ctx.url.pathname,
        error,
      });
    }
  }
  return await ctx.next();
}

export const handler: MiddlewareHandler<State>[] = [
  securityHeaders,
  privateCaching,
  sessionUser,
];
