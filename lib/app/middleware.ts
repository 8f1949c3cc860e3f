/**
 * The app's middleware, one concern each, in the order a request meets them
 * (the app plugin mounts them at `/`, `plugin.ts`):
 *
 * 1. `provideServices`: puts the started services on `ctx.state`.
 * 2. `securityHeaders`: every response leaves with the
 *    Content-Security-Policy and its companions (`lib/http/security_headers.ts`).
 *    It wraps the rest so that it sees every answer, 404s included.
 * 3. `privateCaching`: a response that depends on the session (every
 *    `/auth/*` and `/api/*` answer, every page for a request with a session
 *    cookie) leaves as `private, no-store`, `Vary: Cookie`
 *    (`lib/http/private_caching.ts`).
 * 4. `sessionUser`: puts the signed-in user (or `null`) in `ctx.state.user`
 *    for every page.
 * 5. `apiEdge`: the one HTTP edge of `/api/` requests. It puts the request's
 *    checks on `ctx.state.api` (`lib/http/session.ts`: the session, the
 *    Origin check of a state change, the rate limit), read only when the
 *    route asks, and turns whatever the route throws into its JSON answer:
 *    an `HttpError` (or a refusal of the rooms, `errors.ts`) as its status
 *    and fixed message; anything else `500 {"error":"Internal Server
 *    Error"}`, the cause logged with the method and route pattern (never the
 *    ids, cookies or keys of the request). So a route holds only its domain
 *    call.
 *
 * Static files and island bundles skip the session look-up: they are the same
 * for everyone, and a KV read per asset would be waste. `/api/` routes skip it
 * too: they answer in JSON and read the session through `ctx.state.api`, so
 * that a KV failure becomes their JSON 500 rather than the HTML error page. A page whose
 * look-up fails (KV unreachable) is rendered as for an anonymous visitor and
 * the failure logged: public pages keep serving while the store is down, and
 * whatever needs the session (sign-in, the token route) reports the outage
 * itself.
 */
import type { FreshContext, MiddlewareHandler } from "$fresh/server.ts";
import { carriesSessionCookie } from "../auth/mod.ts";
import { getLogger } from "../platform/mod.ts";
import {
  apiRequest,
  withPrivateCaching,
  withSecurityHeaders,
} from "../http/mod.ts";
import { errorResponse } from "./errors.ts";
import type { Services } from "./services.ts";
import type { State } from "./state.ts";

const logger = getLogger(["live", "middleware"]);

/**
 * The middleware that hands `services` to every request. Synchronous once
 * the services run: this is on every request's path, and an `await` of a
 * plain value still costs a turn of the microtask queue.
 */
export function provideServices(
  services: () => Services | Promise<Services>,
): MiddlewareHandler<State> {
  // Every service, so that a new one reaches routes without an edit here.
  const fill = (state: State, started: Services) => {
    Object.assign(state, started);
    state.user = null;
  };
  return (_req, ctx) => {
    const started = services();
    if (started instanceof Promise) {
      return started.then((s) => {
        fill(ctx.state, s);
        return ctx.next();
      });
    }
    fill(ctx.state, started);
    return ctx.next();
  };
}

/** Sets the security headers on whatever the rest of the chain answers. */
export async function securityHeaders(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  const response = await ctx.next();
  const { ably, config } = ctx.state;
  return withSecurityHeaders(req, response, ably.browserOptions, config);
}

/** Marks session-dependent responses uncacheable; see the module comment. */
export async function privateCaching(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  const response = await ctx.next();
  return withPrivateCaching(
    req,
    response,
    () => Boolean(ctx.state.user) || carriesSessionCookie(req),
  );
}

/** Looks up the session of page requests; see the module comment. */
export function sessionUser(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  const page =
    (ctx.destination === "route" && !ctx.url.pathname.startsWith("/api/")) ||
    ctx.destination === "notFound";
  return page ? withSessionUser(req, ctx) : ctx.next();
}

async function withSessionUser(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  try {
    ctx.state.user = await ctx.state.auth.getSessionUser(req);
  } catch (error) {
    logger.error("session look-up failed for {path}: {error}", {
      path: ctx.url.pathname,
      error,
    });
  }
  return await ctx.next();
}

/** The API edge; see the module comment. */
export async function apiEdge(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  if (!ctx.url.pathname.startsWith("/api/")) return await ctx.next();
  const where = { method: req.method, route: ctx.route };
  ctx.state.api = apiRequest(req, ctx.state, where);
  try {
    return await ctx.next();
  } catch (error) {
    return errorResponse(error, `${where.method} ${where.route}`);
  }
}
