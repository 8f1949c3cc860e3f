/**
 * `GET /auth/signin?redirect=/path`: starts a sign-in and sends the browser
 * to the provider. `redirect` is honoured only for same-origin paths
 * (`lib/auth/redirect.ts`). If the provider cannot be reached, the sign-in
 * failure page of `callback.tsx` says so with a 502.
 *
 * Every start writes a 10-minute `["oauth", state]` record to KV, for anyone:
 * past `SIGNIN_RATE_LIMIT_PER_MIN` starts from one client address, across
 * all instances (`lib/http/rate_limit.ts`), the same page answers 429 with
 * `Retry-After` and nothing is written; one warning per address and window,
 * naming the address's network only (`addressNetwork`).
 */
import type { Handlers } from "$fresh/server.ts";
import { AuthError } from "../../lib/auth/mod.ts";
import {
  addressKey,
  addressNetwork,
  getLogger,
} from "../../lib/platform/mod.ts";
import { clientAddress } from "../../lib/http/mod.ts";
import type { State } from "../../lib/app/mod.ts";
import {
  renderFailure,
  renderRateLimited,
  type SignInFailure,
} from "./callback.tsx";

export { default } from "./callback.tsx";

const ROUTE = "/auth/signin";
const logger = getLogger(["live", "auth"]);

export const handler: Handlers<
  SignInFailure,
  Pick<State, "auth" | "limits" | "config">
> = {
  async GET(req, ctx) {
    const { auth, limits, config } = ctx.state;
    // The connection's address; X-Forwarded-For only under TRUST_PROXY, and
    // then its right-most entry, the one our proxy wrote: any client can
    // write the rest and so pick a fresh key per request
    // (`lib/http/request_origin.ts`).
    const address = clientAddress(req, ctx.remoteAddr, config);
    // One key per client: an IPv6 /64, an IPv4-mapped address as IPv4.
    const decision = await limits.signIn.hit(addressKey(address));
    if (!decision.allowed) {
      if (decision.firstRefusal) {
        logger.warn("GET {route} refused: rate limit reached for {network}", {
          route: ROUTE,
          network: addressNetwork(address),
        });
      }
      return renderRateLimited(
        decision.retryAfterSeconds,
        ctx.url.searchParams.get("redirect"),
        ctx,
      );
    }
    try {
      return await auth.signIn(req);
    } catch (error) {
      if (error instanceof AuthError) return renderFailure(error, ctx);
      throw error;
    }
  },
};
