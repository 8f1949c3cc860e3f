/**
 * A per-instance rate limit: at most `limit` hits per key in a fixed window
 * (one minute by default) that starts at the key's first hit. `GET /api/live`
 * uses it with the session id as key (`LIVE_RATE_LIMIT_PER_MIN`), `GET
 * /auth/signin` with the client address (`SIGNIN_RATE_LIMIT_PER_MIN`); a
 * refusal carries the whole seconds until that key's window ends, for
 * `Retry-After`.
 *
 * Why a fixed window: one counter per key, O(1) per hit, and a Retry-After
 * the client can trust. The price is that a key can place up to `2 × limit`
 * hits across a window's end. The limit is there to stop a runaway client
 * from minting tokens in a loop, not to meter usage, so that is accepted.
 *
 * Memory is bounded: at most `maxKeys` keys are tracked. Keys sit in a `Map`
 * in the order their windows started, so expired ones are dropped from the
 * front as hits arrive, and when the cap is reached the oldest window is
 * forgotten, which lets that key start afresh. Failing open there is
 * deliberate: a flood of valid sessions must not lock out the rest.
 *
 * State lives in this process only: with several instances each counts its
 * own share, so the effective limit is per instance, as configured.
 */

/** How to limit. */
export interface RateLimitOptions {
  /** Hits allowed per key per window; 0 disables the limit (every hit allowed, nothing stored). */
  limit: number;
  /** Window length in milliseconds; 60,000 unless given. */
  windowMs?: number;
  /** Most keys tracked at once; 10,000 unless given. */
  maxKeys?: number;
  /** The clock, for tests; `Date.now` unless given. */
  now?: () => number;
}

/** What `hit` decided. */
export type RateLimitDecision =
  | { allowed: true }
  | {
    allowed: false;
    /** Whole seconds (≥ 1) until this key's window ends. */
    retryAfterSeconds: number;
    /** The first refusal of this window: callers log this one only. */
    firstRefusal: boolean;
  };

export const RATE_LIMIT_DEFAULTS = { windowMs: 60_000, maxKeys: 10_000 };

interface Window {
  /** Epoch ms of the window's first hit. */
  start: number;
  /** Hits in this window, refused ones included. */
  count: number;
}

const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true });

/**
 * Fixed-window counters per key, in memory.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ limit: 60 });
 * const decision = limiter.hit(sessionId);
 * if (!decision.allowed) {
 *   // 429 with Retry-After: decision.retryAfterSeconds
 * }
 * ```
 */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxKeys: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(options: RateLimitOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? RATE_LIMIT_DEFAULTS.windowMs;
    this.maxKeys = options.maxKeys ?? RATE_LIMIT_DEFAULTS.maxKeys;
    this.#now = options.now ?? Date.now;
    if (
      !Number.isInteger(this.limit) || this.limit < 0 ||
      !(this.windowMs > 0) || !Number.isInteger(this.maxKeys) ||
      this.maxKeys < 1
    ) {
      throw new RangeError(
        "rate limit: limit ≥ 0 (whole), windowMs > 0, maxKeys ≥ 1 (whole)",
      );
    }
  }

  /** Whether the limit is on (`limit > 0`). */
  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Keys tracked now, expired ones included until swept. */
  get size(): number {
    return this.#windows.size;
  }

  /** Counts one hit for `key` and says whether it is allowed. */
  hit(key: string): RateLimitDecision {
    if (this.limit === 0) return ALLOWED;
    const now = this.#now();
    this.#sweep(now);
    let window = this.#windows.get(key);
    if (window === undefined || window.start + this.windowMs <= now) {
      // A new window goes to the back of the map, keeping it ordered by start.
      if (window !== undefined) this.#windows.delete(key);
      while (this.#windows.size >= this.maxKeys) {
        this.#windows.delete(this.#windows.keys().next().value as string);
      }
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count++;
    if (window.count <= this.limit) return ALLOWED;
    return {
      allowed: false,
      // Clamped to the window, should the clock step back.
      retryAfterSeconds: Math.min(
        Math.ceil(this.windowMs / 1000),
        Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)),
      ),
      firstRefusal: window.count === this.limit + 1,
    };
  }

  /** Drops expired windows from the front, where the oldest starts sit. */
  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.start + this.windowMs > now) return;
      this.#windows.delete(key);
    }
  }
}
