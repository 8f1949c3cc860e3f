import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limit.ts";

/** A clock the test moves by hand. */
function fakeClock(start = 1_790_000_000_000) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

Deno.test("rate limit: the limit+1-th hit in a window is refused until the window ends", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 3, now: clock.read });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(limiter.hit("a"), { allowed: true });
    clock.now += 1_000;
  }
  // 3 s into the window: 57 s left.
  assert.deepEqual(limiter.hit("a"), {
    allowed: false,
    retryAfterSeconds: 57,
    firstRefusal: true,
  });
  clock.now += 56_500;
  assert.deepEqual(limiter.hit("a"), {
    allowed: false,
    retryAfterSeconds: 1,
    firstRefusal: false,
  });
  clock.now += 499;
  assert.equal(limiter.hit("a").allowed, false);
  clock.now += 1;
  assert.deepEqual(limiter.hit("a"), { allowed: true });
});

Deno.test("rate limit: Retry-After rounds up and is at least 1", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 1, now: clock.read });
  limiter.hit("a");
  clock.now += 59_999;
  const refused = limiter.hit("a");
  assert.ok(!refused.allowed);
  assert.equal(refused.retryAfterSeconds, 1);
  clock.now -= 120_000;
  const stepBack = limiter.hit("a");
  assert.ok(!stepBack.allowed);
  assert.equal(stepBack.retryAfterSeconds, 60, "clamped to the window");
});

Deno.test("rate limit: keys are counted apart", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 2, now: clock.read });
  limiter.hit("a");
  limiter.hit("a");
  assert.equal(limiter.hit("a").allowed, false);
  assert.equal(limiter.hit("b").allowed, true);
  assert.equal(limiter.hit("b").allowed, true);
  assert.equal(limiter.hit("b").allowed, false);
});

Deno.test("rate limit: 0 disables it and stores nothing", () => {
  const limiter = new RateLimiter({ limit: 0 });
  assert.equal(limiter.enabled, false);
  for (let i = 0; i < 1_000; i++) assert.equal(limiter.hit("a").allowed, true);
  assert.equal(limiter.size, 0);
});

Deno.test("rate limit: a full window admits no new key; overflow allow lets it through untracked", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 1, maxKeys: 3, now: clock.read });
  for (const key of ["a", "b", "c"]) limiter.hit(key);
  for (let i = 0; i < 5; i++) assert.equal(limiter.hit("d").allowed, true);
  assert.equal(limiter.size, 3);
  assert.equal(limiter.hit("a").allowed, false, "tracked keys keep counting");
  // The next window admits new keys again.
  clock.now += 60_000;
  limiter.hit("d");
  assert.equal(limiter.hit("d").allowed, false);
});

Deno.test("rate limit: overflow shared counts every untracked key against one limit", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({
    limit: 2,
    maxKeys: 2,
    overflow: "shared",
    now: clock.read,
  });
  limiter.hit("a");
  limiter.hit("b");
  assert.equal(limiter.hit("x").allowed, true);
  assert.equal(limiter.hit("y").allowed, true);
  const refused = limiter.hit("z");
  assert.ok(!refused.allowed);
  assert.equal(refused.firstRefusal, true);
  assert.equal(limiter.hit("a").allowed, true, "tracked keys are apart");
  clock.now += 60_000;
  assert.equal(limiter.hit("z").allowed, true);
});

Deno.test("rate limit: memory stays at the cap under many keys", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 5, maxKeys: 100, now: clock.read });
  for (let i = 0; i < 10_000; i++) {
    clock.now += 17;
    limiter.hit(`key-${i}`);
    assert.ok(limiter.size <= 300);
  }
});

Deno.test("rate limit: a key whose window runs across a rotation keeps its count", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ limit: 1, maxKeys: 2, now: clock.read });
  clock.now += 45_000;
  limiter.hit("a");
  clock.now += 30_000; // the table rotated at 60 s; a's window ends at 105 s
  assert.equal(limiter.hit("a").allowed, false);
  clock.now += 30_000; // 105 s: a's window has ended
  assert.equal(limiter.hit("a").allowed, true);
});

Deno.test("rate limit: bad options are refused", () => {
  for (
    const options of [
      { limit: -1 },
      { limit: 1.5 },
      { limit: 1, windowMs: 0 },
      { limit: 1, maxKeys: 0 },
    ]
  ) {
    assert.throws(() => new RateLimiter(options), RangeError);
  }
});
