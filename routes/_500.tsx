/**
 * The page for an error no route handled. Fresh renders it outside the
 * middleware chain, so its handler gives it the security headers and the
 * private caching the middleware gives every other response.
 */
import { Head } from "$fresh/runtime.ts";
import type { ErrorHandler, PageProps } from "$fresh/server.ts";
import { withPrivateCaching } from "../lib/private_caching.ts";
import { withSecurityHeaders } from "../lib/security_headers.ts";
import { services } from "../lib/services.ts";

export const handler: ErrorHandler = async (req, ctx) => {
  const { ably, config } = services();
  const page = withPrivateCaching(req, await ctx.render(), false);
  return withSecurityHeaders(req, page, ably.browserOptions, config);
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
