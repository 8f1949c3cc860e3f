/**
 * The rate limiter's local table is bounded; a flood of distinct keys must
 * not be a way to reset a real client's count (counts live in KV, so
 * forgetting a local entry costs a KV read, never an allowance), and memory
 * and KV writes must stay bounded all the same.
 */
import assert from "node:assert/strict";
import { addressKey } from "../platform/ip_address.ts";
import { allowedOf, fakeClock, memoryLimiter } from "./rate_limit_testing.ts";

const floodAddress = (i: number) =>
  addressKey(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);

Deno.test("rate limit: 1,200 distinct addresses past a table of 1,000 do not reset a real client's count", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({
    limit: 3,
    maxKeys: 1_000,
    overflow: "shared",
    now: clock.read,
  });
  const client = addressKey("203.0.113.7");
  for (let i = 0; i < 3; i++) {
    assert.equal((await t.limiter.hit(client)).allowed, true);
  }
  assert.equal((await t.limiter.hit(client)).allowed, false);
  const writes = t.counts.writes;

  for (let i = 0; i < 1_200; i++) {
    clock.now += 10; // the flood spreads over 12 s of the client's window
    await t.limiter.hit(floodAddress(i));
  }
  assert.equal(
    (await t.limiter.hit(client)).allowed,
    false,
    "the client's count survived the flood",
  );
  assert.ok(t.limiter.size <= 1_000, `${t.limiter.size}`);
  // One reservation per tracked key; the 201 past the table share one count
  // (3 hits, so a write or two), whatever their number.
  assert.ok(t.counts.writes - writes <= 999 + 3, `${t.counts.writes} writes`);
});

Deno.test("rate limit: a flood spanning a window's end does not reset a key still counted", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 10, maxKeys: 100, now: clock.read });
  clock.now += 55_000;
  assert.equal(await allowedOf(t.limiter, "client", 10), 10);
  // The table rotates at 60 s; the flood fills the new window's table, so
  // the client would get through untracked (overflow "allow") but for being
  // carried over.
  for (let i = 0; i < 1_000; i++) {
    clock.now += 10;
    await t.limiter.hit(`flood-${i}`);
  }
  // 65 s: the last window's 10 weigh 10 × 55/60 ≈ 9.2, so one more.
  assert.equal(await allowedOf(t.limiter, "client", 5), 1);
  assert.ok(t.limiter.size <= 400, `${t.limiter.size}`);
});

Deno.test("rate limit: the table forgets whole windows as time passes, KV keeps the counts", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 1, now: clock.read });
  for (let i = 0; i < 500; i++) await t.limiter.hit(`k-${i}`);
  clock.now += 60_000;
  await t.limiter.hit("late");
  clock.now += 60_000;
  await t.limiter.hit("later");
  assert.equal(t.limiter.size, 1 + 1, "two windows at most are remembered");
  assert.equal(
    (await t.limiter.hit("k-1")).allowed,
    true,
    "a window two back counts no more",
  );
  assert.equal((await t.limiter.hit("later")).allowed, false);
});
