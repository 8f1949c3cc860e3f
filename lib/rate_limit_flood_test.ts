/**
 * The rate limiter's table is bounded; a flood of distinct keys must not be
 * a way to reset a real client's count (which evicting the oldest window, or
 * clearing the table, would be), and memory must stay bounded all the same.
 */
import assert from "node:assert/strict";
import { addressKey } from "./ip_address.ts";
import { RATE_LIMIT_DEFAULTS, RateLimiter } from "./rate_limit.ts";

function fakeClock(start = 1_700_000_000_000) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

Deno.test("rate limit: 12,000 distinct addresses do not reset a real client's count", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 3, now: clock.read });
  const client = addressKey("203.0.113.7");
  for (let i = 0; i < 3; i++) assert.equal(limiter.hit(client).allowed, true);
  assert.equal(limiter.hit(client).allowed, false);

  const flood = RATE_LIMIT_DEFAULTS.maxKeys + 2_000;
  for (let i = 0; i < flood; i++) {
    clock.now += 1; // the flood spreads over 12 s of the client's window
    limiter.hit(
      addressKey(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`),
    );
  }
  const decision = limiter.hit(client);
  assert.equal(
    decision.allowed,
    false,
    "the client's count survived the flood",
  );
  assert.ok(limiter.size <= 2 * RATE_LIMIT_DEFAULTS.maxKeys, `${limiter.size}`);
});

Deno.test("rate limit: a flood spanning a window's end does not reset a key still in its window", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 1, maxKeys: 100, now: clock.read });
  clock.now += 50_000;
  limiter.hit("client");
  // The table rotates at 60 s; the flood fills the new window's table.
  for (let i = 0; i < 1_000; i++) {
    clock.now += 20;
    limiter.hit(`flood-${i}`);
  }
  assert.ok(clock.now < 50_000 + 1_700_000_000_000 + 60_000);
  assert.equal(limiter.hit("client").allowed, false);
  assert.ok(limiter.size <= 200, `${limiter.size}`);
});

Deno.test("rate limit: the table forgets whole windows as time passes", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 1, now: clock.read });
  for (let i = 0; i < 500; i++) limiter.hit(`k-${i}`);
  clock.now += 60_000;
  limiter.hit("late");
  clock.now += 60_000;
  limiter.hit("later");
  assert.equal(limiter.size, 1 + 1, "two windows at most are remembered");
  assert.equal(limiter.hit("k-1").allowed, true, "an ended window counts anew");
});
