/**
 * The KV-backed rate limit on one instance, on a real (in-memory) Deno KV
 * seen through a wrapper that counts its reads and writes and can fail on
 * demand. Several instances on one KV file: `rate_limit_instances_test.ts`;
 * floods of keys: `rate_limit_flood_test.ts`.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { resetLogging, setupLogging } from "../platform/log.ts";
import { RateLimiter } from "./rate_limit.ts";
import {
  allowedOf,
  fakeClock,
  memoryLimiter,
  WINDOW_START,
} from "./rate_limit_testing.ts";

Deno.test("rate limit: the limit+1-th hit in a window is refused until the estimate falls under the limit", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 3, now: clock.read });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await t.limiter.hit("a"), { allowed: true });
    clock.now += 1_000;
  }
  // 3 s into the window, 3 counted: nothing until just past its end.
  assert.deepEqual(await t.limiter.hit("a"), {
    allowed: false,
    retryAfterSeconds: 58,
    firstRefusal: true,
  });
  clock.now += 56_500;
  assert.deepEqual(await t.limiter.hit("a"), {
    allowed: false,
    retryAfterSeconds: 1,
    firstRefusal: false,
  });
  clock.now = WINDOW_START + 60_000;
  assert.equal((await t.limiter.hit("a")).allowed, false, "3 × (1 − 0) = 3");
  clock.now += 1;
  // The last window's 3 weigh 3 × (1 − f): one more at once, the next ones
  // as the weight falls (2 × 60 s / 3 = 40 s for the third).
  assert.deepEqual(await t.limiter.hit("a"), { allowed: true });
  const refused = await t.limiter.hit("a");
  assert.ok(!refused.allowed);
  assert.equal(refused.retryAfterSeconds, 20, "3 × (1 − f) + 1 < 3 at 20 s");
  assert.equal(refused.firstRefusal, false, "this window's first was at 0 s");
  clock.now += 20_000;
  assert.equal(await allowedOf(t.limiter, "a", 5), 1);
  clock.now += 20_000;
  assert.equal(await allowedOf(t.limiter, "a", 5), 1);
});

Deno.test("rate limit: a burst just before a window's end still counts just after it (no 2 × limit)", async () => {
  const clock = fakeClock(WINDOW_START + 59_000);
  using t = await memoryLimiter({ limit: 60, now: clock.read });
  assert.equal(await allowedOf(t.limiter, "a", 80), 60);
  clock.now = WINDOW_START + 61_000;
  // 60 × (59/60) = 59 of the previous window still weigh: one more.
  assert.equal(await allowedOf(t.limiter, "a", 80), 1);
  clock.now = WINDOW_START + 90_000;
  // Half a window on: 30 weigh, so 29 more (30 with the one above).
  assert.equal(await allowedOf(t.limiter, "a", 80), 29);
  clock.now = WINDOW_START + 120_000;
  // The burst's window is two back now: the 30 of the last one weigh fully.
  assert.equal(await allowedOf(t.limiter, "a", 80), 30);
});

Deno.test("rate limit: Retry-After rounds up, is at least 1 and at most one window", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 1, now: clock.read });
  await t.limiter.hit("a");
  clock.now += 59_999;
  const refused = await t.limiter.hit("a");
  assert.ok(!refused.allowed);
  assert.equal(refused.retryAfterSeconds, 1);
  clock.now -= 120_000;
  const stepBack = await t.limiter.hit("a");
  assert.ok(!stepBack.allowed);
  assert.equal(stepBack.retryAfterSeconds, 60, "clamped to the window");
});

Deno.test("rate limit: keys are counted apart", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 2, now: clock.read });
  assert.equal(await allowedOf(t.limiter, "a", 3), 2);
  assert.equal(await allowedOf(t.limiter, "b", 3), 2);
});

Deno.test("rate limit: limiters with different names count apart on one KV", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ name: "one", limit: 2, now: clock.read });
  const other = new RateLimiter({
    kv: t.kv,
    name: "two",
    limit: 2,
    now: clock.read,
  });
  assert.equal(await allowedOf(t.limiter, "a", 3), 2);
  assert.equal(await allowedOf(other, "a", 3), 2);
});

Deno.test("rate limit: 0 disables it, stores nothing and does no KV I/O", async () => {
  using t = await memoryLimiter({ limit: 0 });
  assert.equal(t.limiter.enabled, false);
  assert.equal(await allowedOf(t.limiter, "a", 1_000), 1_000);
  assert.equal(t.limiter.size, 0);
  assert.deepEqual([t.counts.reads, t.counts.writes], [0, 0]);
});

Deno.test("rate limit: most hits need no KV I/O; refusals after exhaustion none at all", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 60, now: clock.read });
  assert.equal(await allowedOf(t.limiter, "a", 60), 60);
  // Chunks of ⌈left / 8⌉: 8, 7, 6, 5, 5, 4, 4, 3, 3, 2 … down to 1.
  assert.ok(t.counts.writes <= 20, `${t.counts.writes} writes for 60 hits`);
  const reads = t.counts.reads;
  const writes = t.counts.writes;
  const first = await t.limiter.hit("a");
  assert.ok(!first.allowed && first.firstRefusal);
  assert.equal(t.counts.writes, writes, "a refusal writes nothing");
  assert.equal(t.counts.reads, reads + 1, "the first refusal reads once");
  for (let i = 0; i < 1_000; i++) {
    clock.now += 10;
    const decision = await t.limiter.hit("a");
    assert.ok(!decision.allowed && !decision.firstRefusal);
  }
  assert.deepEqual(
    [t.counts.reads, t.counts.writes],
    [reads + 1, writes],
    "a flood of refused hits costs no KV I/O",
  );
});

Deno.test("rate limit: concurrent hits on one instance share one reservation in flight", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 60, now: clock.read });
  const decisions = await Promise.all(
    Array.from({ length: 100 }, () => t.limiter.hit("a")),
  );
  assert.equal(decisions.filter((d) => d.allowed).length, 60);
  assert.ok(t.counts.writes <= 20, `${t.counts.writes} writes`);
  const refusals = decisions.filter((d) => !d.allowed && d.firstRefusal);
  assert.equal(refusals.length, 1, "one first refusal");
});

Deno.test("rate limit: a full window admits no new key; overflow allow lets it through untracked, with no KV I/O", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 1, maxKeys: 3, now: clock.read });
  for (const key of ["a", "b", "c"]) await t.limiter.hit(key);
  const io = t.counts.reads + t.counts.writes;
  assert.equal(await allowedOf(t.limiter, "d", 5), 5);
  assert.equal(t.counts.reads + t.counts.writes, io);
  assert.equal(t.limiter.size, 3);
  assert.equal((await t.limiter.hit("a")).allowed, false, "tracked keys count");
  // The next window admits new keys again.
  clock.now += 60_000;
  assert.equal(await allowedOf(t.limiter, "d", 2), 1);
});

Deno.test("rate limit: overflow shared counts every untracked key against one limit", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({
    limit: 2,
    maxKeys: 2,
    overflow: "shared",
    now: clock.read,
  });
  await t.limiter.hit("a");
  await t.limiter.hit("b");
  assert.equal((await t.limiter.hit("x")).allowed, true);
  assert.equal((await t.limiter.hit("y")).allowed, true);
  const refused = await t.limiter.hit("z");
  assert.ok(!refused.allowed);
  assert.equal(refused.firstRefusal, true);
  assert.equal((await t.limiter.hit("a")).allowed, true, "tracked keys apart");
  // Two windows on, the shared count no longer weighs.
  clock.now += 120_000;
  assert.equal((await t.limiter.hit("z")).allowed, true);
});

Deno.test("rate limit: memory stays bounded under many fresh keys", async () => {
  const clock = fakeClock();
  using t = await memoryLimiter({ limit: 5, maxKeys: 100, now: clock.read });
  for (let i = 0; i < 3_000; i++) {
    clock.now += 97;
    await t.limiter.hit(`key-${i}`);
    assert.ok(t.limiter.size <= 400, `${t.limiter.size}`);
  }
  // Only tracked keys cost KV: at most 100 new keys a window, one write each.
  const windows = Math.ceil(3_000 * 97 / 60_000) + 1;
  assert.ok(t.counts.writes <= 100 * windows, `${t.counts.writes} writes`);
});

Deno.test("rate limit: KV failing allows the hit and logs one warning per window", async () => {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  try {
    const clock = fakeClock();
    using t = await memoryLimiter({ limit: 2, now: clock.read });
    t.counts.failing = true;
    assert.equal(await allowedOf(t.limiter, "a", 10), 10, "fails open");
    const warnings = records.filter((r) =>
      r.level === "warning" && r.category.join(".") === "live.rate-limit"
    );
    assert.equal(warnings.length, 1, "one warning per window");
    assert.match(String(warnings[0].properties.error), /KV outage canary/);
    assert.equal(warnings[0].properties.name, "test");
    assert.ok(
      !JSON.stringify(records.map((r) => r.properties)).includes('"a"'),
      "the key (a session id) is not logged",
    );
    // Back: counting resumes where KV stands (nothing was reserved).
    t.counts.failing = false;
    assert.equal(await allowedOf(t.limiter, "a", 5), 2);
  } finally {
    await resetLogging();
  }
});

Deno.test("rate limit: bad options are refused", async () => {
  using kv = await Deno.openKv(":memory:");
  for (
    const options of [
      { limit: -1 },
      { limit: 1.5 },
      { limit: 1, windowMs: 0 },
      { limit: 1, maxKeys: 0 },
    ]
  ) {
    assert.throws(
      () => new RateLimiter({ kv, name: "test", ...options }),
      RangeError,
    );
  }
});
