/**
 * A per-instance rate limit: at most `limit` hits per key in a fixed window
 * (one minute by default) that starts at the key's first hit. `GET /api/live`
 * uses it with the session id as key (`LIVE_RATE_LIMIT_PER_MIN`), `GET
 * /auth/signin` with the client address's key (`SIGNIN_RATE_LIMIT_PER_MIN`;
 * an IPv6 client counted on its /64, `lib/ip_address.ts`); a
 * refusal carries the whole seconds until that key's window ends, for
 * `Retry-After`.
 *
 * Why a fixed window: one counter per key, O(1) per hit, and a Retry-After
 * the client can trust. The price is that a key can place up to `2 × limit`
 * hits across a window's end. The limit is there to stop a runaway client
 * from minting tokens in a loop, not to meter usage, so that is accepted.
 *
 * Memory is bounded without letting a flood reset anyone: the table is two
 * maps, the current window's and the previous one's, rotated every
 * `windowMs`. A key's window starts at its first hit; when the table rotates,
 * a key whose window is still running is carried into the new map at its
 * next hit, and whatever was left in the older map has ended by the next
 * rotation and is dropped with it, whole. So expired keys go in O(1) per
 * window rather than by a sweep, and no live count is ever forgotten to make
 * room. At most `maxKeys` new keys are admitted per window (plus carried
 * ones: at most 3 × `maxKeys` entries in all). A key that arrives when the
 * window's map is full is not tracked on its own: `overflow: "allow"` (the
 * default) lets it through, so that a flood of valid sessions cannot lock out
 * the rest; `overflow: "shared"` counts all such keys together against one
 * `limit`, for a limit on anonymous callers (sign-in starts), where a flood of
 * fresh addresses must not buy unlimited hits.
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
  /**
   * What a key not tracked because the window's table is full gets:
   * `"allow"` (default) every hit; `"shared"` one window shared by all such
   * keys, with the same `limit`.
   */
  overflow?: "allow" | "shared";
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
  readonly overflow: "allow" | "shared";
  readonly #now: () => number;
  /** Windows that started (or were carried over) since `#rotatedAt`. */
  #current = new Map<string, Window>();
  /** The map before that: windows here end before the next rotation. */
  #previous = new Map<string, Window>();
  /** New keys admitted to `#current`; carried ones do not count. */
  #admitted = 0;
  #rotatedAt: number;
  /** The window of keys that found the table full (`overflow: "shared"`). */
  #shared: Window | undefined;

  constructor(options: RateLimitOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? RATE_LIMIT_DEFAULTS.windowMs;
    this.maxKeys = options.maxKeys ?? RATE_LIMIT_DEFAULTS.maxKeys;
    this.overflow = options.overflow ?? "allow";
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
    this.#rotatedAt = this.#now();
  }

  /** Whether the limit is on (`limit > 0`). */
  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Keys tracked now, in both maps, ended windows included until dropped. */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  /** Counts one hit for `key` and says whether it is allowed. */
  hit(key: string): RateLimitDecision {
    if (this.limit === 0) return ALLOWED;
    const now = this.#now();
    this.#rotate(now);
    let window = this.#current.get(key);
    if (window === undefined) {
      window = this.#previous.get(key);
      if (window !== undefined) {
        // Carried over, running or not: it leaves the older map either way.
        this.#previous.delete(key);
        this.#current.set(key, window);
      }
    }
    if (window === undefined || window.start + this.windowMs <= now) {
      if (window === undefined) {
        if (this.#admitted >= this.maxKeys) return this.#overflowHit(now);
        this.#admitted++;
      }
      window = { start: now, count: 0 };
      this.#current.set(key, window);
    }
    return this.#count(window, now);
  }

  #count(window: Window, now: number): RateLimitDecision {
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

  #overflowHit(now: number): RateLimitDecision {
    if (this.overflow === "allow") return ALLOWED;
    if (!this.#shared || this.#shared.start + this.windowMs <= now) {
      this.#shared = { start: now, count: 0 };
    }
    return this.#count(this.#shared, now);
  }

  /**
   * Every `windowMs`: the current map becomes the previous one and the
   * previous one, whose windows have all ended, is dropped. After two
   * windows of silence both are dropped.
   */
  #rotate(now: number): void {
    const since = now - this.#rotatedAt;
    if (since < 0) {
      // The clock stepped back: keep every count (Retry-After is clamped to
      // one window) and measure the next rotation from here.
      this.#rotatedAt = now;
      return;
    }
    if (since < this.windowMs) return;
    this.#previous = since >= 2 * this.windowMs ? new Map() : this.#current;
    this.#current = new Map();
    this.#admitted = 0;
    this.#rotatedAt = now;
  }
}
