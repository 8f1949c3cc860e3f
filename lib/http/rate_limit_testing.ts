/**
 * Helpers for the rate limit's tests (`rate_limit*_test.ts`): a hand-moved
 * clock, a KV wrapper that counts reads and writes and fails on demand, a
 * limiter on a fresh in-memory KV.
 */
import { RateLimiter, type RateLimitOptions } from "./rate_limit.ts";

/** The start of a one-minute window (windows are aligned to the epoch). */
export const WINDOW_START = 29_833_334 * 60_000;

/** A clock the test moves by hand. */
export function fakeClock(start = WINDOW_START) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

/** KV I/O seen through `countingKv`. */
export interface KvCounts {
  reads: number;
  writes: number;
  /** Every call fails while set, as in an outage. */
  failing: boolean;
}

/** `kv` with its `getMany` calls and atomic commits counted. */
export function countingKv(kv: Deno.Kv): { kv: Deno.Kv; counts: KvCounts } {
  const counts: KvCounts = { reads: 0, writes: 0, failing: false };
  const outage = () => Promise.reject(new Error("KV outage canary"));
  const proxy = new Proxy(kv, {
    get(target, property) {
      if (property === "getMany") {
        return (...args: Parameters<Deno.Kv["getMany"]>) => {
          if (counts.failing) return outage();
          counts.reads++;
          return target.getMany(...args);
        };
      }
      if (property === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = () => {
            if (counts.failing) return outage();
            counts.writes++;
            return commit();
          };
          return op;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: proxy, counts };
}

/** A limiter on a fresh in-memory KV; disposing it closes the KV. */
export async function memoryLimiter(
  options: Omit<RateLimitOptions, "kv" | "name"> & { name?: string },
) {
  const store = await Deno.openKv(":memory:");
  const { kv, counts } = countingKv(store);
  const limiter = new RateLimiter({ name: "test", ...options, kv });
  return {
    limiter,
    counts,
    kv: store,
    [Symbol.dispose]: () => store.close(),
  };
}

/** How many of `hits` sequential hits for `key` were allowed. */
export async function allowedOf(
  limiter: RateLimiter,
  key: string,
  hits: number,
): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < hits; i++) {
    if ((await limiter.hit(key)).allowed) allowed++;
  }
  return allowed;
}
