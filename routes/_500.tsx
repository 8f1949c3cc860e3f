/**
 * The page for an error no route handled. Fresh renders it outside the
 * middleware chain, so its handler gives it the security headers and the
 * private caching the middleware gives every other response.
 */
import { Head } from "$fresh/runtime.ts";
import type { ErrorHandler, PageProps } from "$fresh/server.ts";
import { withPrivateCaching, withSecurityHeaders } from "../lib/http/mod.ts";
import type { State } from "../lib/app/mod.ts";
import { carriesSessionCookie } from "../lib/auth/mod.ts";

// The error may have come before the app plugin filled the state (its
// services failed to start): the policy then names no Ably endpoint, which
// costs nothing on a page without islands, and no proxy is trusted.
export const handler: ErrorHandler = async (req, ctx) => {
  const { ably, config } = ctx.state as Partial<State>;
  const page = withPrivateCaching(
    req,
    await ctx.render(),
    () => carriesSessionCookie(req),
  );
  return withSecurityHeaders(
    req,
    page,
    ably?.browserOptions ?? {},
    config ?? { trustProxy: false },
  );
};

export default function ServerError(_props: PageProps) {
  return (
    <main>
      <Head>
        <title>Error · live</title>
      </Head>
      <h1>Something went wrong</h1>
      <p>The error has been logged. Please try again in a moment.</p>
    </main>
  );
}
