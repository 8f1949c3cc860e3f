/**
 * Puts the signed-in user (or `null`) in `ctx.state.user` for every route and
 * page. `State` is the app's one definition of `ctx.state`: handlers and
 * pages type their context with it.
 *
 * Static files and island bundles skip the look-up: they are the same for
 * everyone, and a KV read per asset would be waste. `/api/` routes skip it
 * too: they answer in JSON and read the session themselves, so that a KV
 * failure becomes their JSON 500 rather than the HTML error page.
 */
import type { FreshContext } from "$fresh/server.ts";
import type { User } from "../lib/auth/mod.ts";
import { services } from "../lib/services.ts";

/** `ctx.state` across the app. */
export interface State {
  /** The signed-in user; `null` for anonymous requests. */
  user: User | null;
}

export async function handler(
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  const page =
    (ctx.destination === "route" && !ctx.url.pathname.startsWith("/api/")) ||
    ctx.destination === "notFound";
  ctx.state.user = page ? await services().auth.getSessionUser(req) : null;
  return await ctx.next();
}
