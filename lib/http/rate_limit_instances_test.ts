/**
 * Several instances on one KV: each limiter on its own `Deno.openKv` handle
 * to one SQLite file, the local stand-in for isolates (or processes) sharing
 * one Deno KV. Together they admit a key's limit, not N × it.
 */
import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limit.ts";
import { allowedOf, countingKv, WINDOW_START } from "./rate_limit_testing.ts";

const INSTANCES = 4;

/** `INSTANCES` limiters on one KV file, the clock at `now`. */
async function instancesOnOneFile(limit: number, now: () => number) {
  const dir = await Deno.makeTempDir({ prefix: "live-rate-" });
  const stores = await Promise.all(
    Array.from(
      { length: INSTANCES },
      () => Deno.openKv(`${dir}/kv.sqlite3`),
    ),
  );
  const counted = stores.map((kv) => countingKv(kv));
  return {
    limiters: counted.map(({ kv }) =>
      new RateLimiter({ kv, name: "live", limit, now })
    ),
    writes: () => counted.reduce((sum, { counts }) => sum + counts.writes, 0),
    async [Symbol.asyncDispose]() {
      for (const kv of stores) kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("rate limit: four instances on one KV file, hammered at once for one key, admit at most the limit in all", async () => {
  // Mid-window and still, so that the window's limit is all there is.
  const now = () => WINDOW_START + 30_000;
  await using cluster = await instancesOnOneFile(60, now);
  const allowed = await Promise.all(
    cluster.limiters.flatMap((limiter) =>
      // Four concurrent callers per instance, 30 hits each: 480 in all.
      Array.from({ length: 4 }, () => allowedOf(limiter, "session", 30))
    ),
  );
  const total = allowed.reduce((a, b) => a + b, 0);
  assert.ok(total <= 60, `${total} allowed: more than the limit`);
  assert.ok(total >= 54, `${total} allowed: too strict`);
  // Chunks, not a write per hit (conflicts retried count too).
  assert.ok(cluster.writes() < 120, `${cluster.writes()} writes`);
  for (const limiter of cluster.limiters) {
    assert.equal((await limiter.hit("session")).allowed, false);
  }
});

Deno.test("rate limit: a key exhausted on one instance is refused on another; other keys are not", async () => {
  const now = () => WINDOW_START + 10_000;
  await using cluster = await instancesOnOneFile(5, now);
  const [a, b, c] = cluster.limiters;
  assert.equal(await allowedOf(a, "alice", 3), 3);
  assert.equal(await allowedOf(b, "alice", 3), 2);
  assert.equal(await allowedOf(c, "alice", 3), 0);
  const refused = await c.hit("alice");
  assert.ok(!refused.allowed);
  assert.equal(refused.retryAfterSeconds, 51, "until the window ends");
  assert.equal(await allowedOf(c, "bob", 6), 5);
});
