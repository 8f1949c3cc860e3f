/**
 * The sign-in limit's key, through the real route: one IPv6 /64 is one
 * client, an IPv4-mapped address is its IPv4 address, and a flood of fresh
 * addresses neither resets a counted client nor buys unlimited starts.
 */
import assert from "node:assert/strict";
import { CookieJar, request } from "./auth_helpers.ts";
import { APP, startInProcessApp } from "./hardening_helpers.ts";

async function startFrom(
  app: Awaited<ReturnType<typeof startInProcessApp>>,
  hostname: string,
): Promise<number> {
  const { response } = await request(
    new CookieJar(),
    `${APP}/auth/signin`,
    {},
    (req) =>
      app.handler(req, {
        remoteAddr: { transport: "tcp", hostname, port: 50_000 },
      }),
  );
  return response.status;
}

Deno.test("sign-in limit: addresses of one IPv6 /64 share one allowance", async () => {
  await using app = await startInProcessApp({ SIGNIN_RATE_LIMIT_PER_MIN: "3" });
  const spellings = [
    "2001:db8:1:2::1",
    "2001:db8:1:2:ffff:ffff:ffff:fffe",
    "2001:DB8:1:2:0:0:0:3%eth0",
  ];
  for (const address of spellings) {
    assert.equal(await startFrom(app, address), 302, address);
  }
  assert.equal(await startFrom(app, "2001:db8:1:2:abcd::42"), 429);
  assert.equal(await startFrom(app, "2001:db8:1:3::1"), 302, "next /64");
});

Deno.test("sign-in limit: an IPv4-mapped address counts as its IPv4 address", async () => {
  await using app = await startInProcessApp({ SIGNIN_RATE_LIMIT_PER_MIN: "2" });
  assert.equal(await startFrom(app, "198.51.100.4"), 302);
  assert.equal(await startFrom(app, "::ffff:198.51.100.4"), 302);
  assert.equal(await startFrom(app, "::ffff:c633:6404"), 429);
});
