/**
 * A rate limit shared by every instance on one Deno KV: at most `limit` hits
 * per key per minute (`windowMs`), counted in KV so that N instances (Deno
 * Deploy isolates, processes on one denokv or one KV file) admit `limit` in
 * all, not N × `limit`. `GET /api/live` uses it with the session id as key
 * (`LIVE_RATE_LIMIT_PER_MIN`), `GET /auth/signin` with the client address's
 * key (`SIGNIN_RATE_LIMIT_PER_MIN`; an IPv6 client counted on its /64,
 * `lib/platform/ip_address.ts`); a refusal carries the whole seconds until a hit
 * could be admitted again, for `Retry-After`. The 429 itself is shaped in
 * `lib/http/rate_limit_refusal.ts`.
 *
 * **Counting.** KV holds one count per key and fixed window,
 * `["rate", name, "key", key, windowIndex]` (windows aligned to the epoch,
 * so every instance agrees on them; `expireIn` two windows, so KV drops
 * them). A hit is admitted while the sliding estimate
 * `previous × (1 − elapsed fraction) + current` is under `limit`: unlike a
 * fixed window, a burst at a window's end is still weighed just after it, so
 * a key cannot place 2 × `limit` across the boundary (only hits bunched at a
 * window's very end and then spread over the next one are underweighted, the
 * usual price of the approximation).
 *
 * **Reservations.** Asking KV at every hit would cost the hot path a write
 * per request. Instead an instance that has no quota left for a key reserves
 * a chunk in KV — a versionstamp-checked write of `current + chunk`, the
 * chunk an eighth of what is left, at least 1 — and admits hits locally
 * while it lasts; concurrent hits on one instance wait for the one
 * reservation in flight. Once KV says nothing is left, the instance refuses
 * the key locally until the estimate can have fallen back under the limit,
 * so a flood of refused hits costs no KV I/O at all, and a write is never
 * spent on a refusal.
 *
 * **Error bound.** Every admitted hit was reserved first, and reservations
 * are checked writes, so across all instances a window never admits more
 * than `limit`. It admits fewer by what instances reserved and did not use
 * before the window ended: at most one chunk per instance and key (a chunk
 * is ⌈left / 8⌉ of what was left when it was taken, so 1 near the limit).
 * Refusals are decided per instance: each logs its own first refusal of a
 * key and window.
 *
 * **Memory and KV writes stay bounded** without letting a flood reset anyone:
 * counts live in KV, so forgetting a local entry costs a KV read, never an
 * allowance. The local table is two maps, this window's and the previous
 * one's, rotated at each window; a key hit again is carried into the new
 * one, whatever was left behind is dropped whole at the next rotation. At
 * most `maxKeys` new and `maxKeys` carried keys are tracked per window (so
 * at most 4 × `maxKeys` entries in all), and only tracked keys cost KV
 * writes. A key that finds the table full is not tracked: `overflow:
 * "allow"` (the default) lets it through, so that a flood of valid sessions
 * cannot lock out the rest; `overflow: "shared"` counts all such keys
 * together, in KV, against one `limit` (`["rate", name, "overflow", w]`),
 * for anonymous callers (sign-in starts), where a flood of fresh addresses
 * must not buy unlimited hits.
 *
 * **KV failing:** the hit is allowed and a warning logged (once per limiter
 * and window). Failing closed would turn a KV outage into 429s on top of the
 * 500s: every limited route needs KV beyond the 5-second session cache (the
 * session look-up, the sign-in record, the stored message), so what fails
 * open is at most those seconds of cached sessions.
 */
import { getLogger } from "../platform/mod.ts";

/** How to limit. */
export interface RateLimitOptions {
  /** Hits allowed per key per window; 0 disables the limit (every hit allowed, no KV I/O). */
  limit: number;
  /** The store the counts live in, shared by every instance. */
  kv: Deno.Kv;
  /** This limit's name in its KV keys (`["rate", name, …]`): one per limit. */
  name: string;
  /** Window length in milliseconds; 60,000 unless given. */
  windowMs?: number;
  /** New keys tracked per window (and as many carried); 10,000 unless given. */
  maxKeys?: number;
  /**
   * What a key not tracked because the window's table is full gets:
   * `"allow"` (default) every hit; `"shared"` one count shared by all such
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
    /** Whole seconds (≥ 1, at most one window) until a hit may be admitted. */
    retryAfterSeconds: number;
    /** This instance's first refusal of the key in this window: callers log this one only. */
    firstRefusal: boolean;
  };

export const RATE_LIMIT_DEFAULTS = { windowMs: 60_000, maxKeys: 10_000 };

/** A reservation takes this fraction of what is left (at least 1). */
const CHUNK_DIVISOR = 8;
/** Checked writes tried before a reservation gives up on a contended key. */
const RESERVE_ATTEMPTS = 8;

/** One key's state on this instance. */
interface Entry {
  /** KV key parts before the window index. */
  readonly kvKey: Deno.KvKeyPart[];
  /** The window `quota` was reserved in. */
  window: number;
  /** Hits reserved in KV for `window`, not yet admitted here. */
  quota: number;
  /** Epoch ms until which hits are refused without asking KV. */
  refuseUntil: number;
  /** The window of this instance's last refusal (for `firstRefusal`). */
  refusedIn: number;
  /** The reservation in flight, which concurrent hits wait for. */
  pending: Promise<boolean> | undefined;
}

const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true });
const ALLOWED_NOW = Promise.resolve(ALLOWED);

const logger = getLogger(["live", "rate-limit"]);

/**
 * Sliding-window counts per key in KV, reserved in chunks.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * const limiter = new RateLimiter({ kv, name: "live", limit: 60 });
 * const decision = await limiter.hit("session-id");
 * if (!decision.allowed) {
 *   // 429 with Retry-After: decision.retryAfterSeconds
 * }
 * kv.close();
 * ```
 */
export class RateLimiter {
  readonly limit: number;
  readonly name: string;
  readonly windowMs: number;
  readonly maxKeys: number;
  readonly overflow: "allow" | "shared";
  readonly #kv: Deno.Kv;
  readonly #now: () => number;
  /** Keys hit in `#window`. */
  #current = new Map<string, Entry>();
  /** Keys hit in the window before: dropped whole at the next rotation. */
  #previous = new Map<string, Entry>();
  #admitted = 0;
  #carried = 0;
  #window = -Infinity;
  /** The count of keys that found the table full (`overflow: "shared"`). */
  readonly #shared: Entry;
  /** The window of the last KV failure warning. */
  #warnedIn = -Infinity;

  constructor(options: RateLimitOptions) {
    this.limit = options.limit;
    this.name = options.name;
    this.windowMs = options.windowMs ?? RATE_LIMIT_DEFAULTS.windowMs;
    this.maxKeys = options.maxKeys ?? RATE_LIMIT_DEFAULTS.maxKeys;
    this.overflow = options.overflow ?? "allow";
    this.#kv = options.kv;
    this.#now = options.now ?? Date.now;
    if (
      !Number.isInteger(this.limit) || this.limit < 0 ||
      !Number.isInteger(this.windowMs) || this.windowMs < 1 ||
      !Number.isInteger(this.maxKeys) || this.maxKeys < 1
    ) {
      throw new RangeError(
        "rate limit: limit ≥ 0, windowMs ≥ 1, maxKeys ≥ 1 (all whole)",
      );
    }
    this.#shared = newEntry(["rate", this.name, "overflow"]);
  }

  /** Whether the limit is on (`limit > 0`). */
  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Keys tracked on this instance now, in both maps. */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  /** Counts one hit for `key` and says whether it is allowed. */
  hit(key: string): Promise<RateLimitDecision> {
    if (this.limit === 0) return ALLOWED_NOW;
    const now = this.#now();
    const entry = this.#entry(key, now);
    if (entry === undefined) return ALLOWED_NOW;
    return this.#take(entry, now) ?? this.#reserveAndTake(entry);
  }

  /** The key's entry, or the shared one, or none (untracked, allowed). */
  #entry(key: string, now: number): Entry | undefined {
    this.#rotate(Math.floor(now / this.windowMs));
    let entry = this.#current.get(key);
    if (entry !== undefined) return entry;
    entry = this.#previous.get(key);
    if (entry !== undefined && this.#carried < this.maxKeys) {
      this.#carried++;
    } else if (this.#admitted < this.maxKeys) {
      this.#admitted++;
      entry ??= newEntry(["rate", this.name, "key", key]);
    } else {
      return this.overflow === "shared" ? this.#shared : undefined;
    }
    this.#previous.delete(key);
    this.#current.set(key, entry);
    return entry;
  }

  /** The decision from local state alone, or undefined if KV must be asked. */
  #take(entry: Entry, now: number): Promise<RateLimitDecision> | undefined {
    const window = Math.floor(now / this.windowMs);
    if (entry.window !== window) {
      // What is left of an ended window's reservation stays unused.
      entry.window = window;
      entry.quota = 0;
    }
    if (entry.quota > 0) {
      entry.quota--;
      return ALLOWED_NOW;
    }
    if (now < entry.refuseUntil) {
      return Promise.resolve(this.#refusal(entry, now, window));
    }
    return undefined;
  }

  #refusal(entry: Entry, now: number, window: number): RateLimitDecision {
    const firstRefusal = entry.refusedIn !== window;
    entry.refusedIn = window;
    return {
      allowed: false,
      retryAfterSeconds: Math.min(
        Math.ceil(this.windowMs / 1000),
        Math.max(1, Math.ceil((entry.refuseUntil - now) / 1000)),
      ),
      firstRefusal,
    };
  }

  async #reserveAndTake(entry: Entry): Promise<RateLimitDecision> {
    // Each round either reserves at least one hit or learns the key is
    // exhausted; it repeats only when concurrent hits took the whole chunk.
    for (;;) {
      entry.pending ??= this.#reserve(entry).finally(() => {
        entry.pending = undefined;
      });
      const answered = await entry.pending;
      const now = this.#now();
      const decision = this.#take(entry, now);
      if (decision !== undefined) return decision;
      if (!answered) return ALLOWED;
    }
  }

  /**
   * One reservation for `entry`'s current window: adds a chunk to its quota,
   * or sets `refuseUntil` when nothing is left. Resolves whether KV
   * answered (if not, the hit is allowed); never rejects.
   */
  async #reserve(entry: Entry): Promise<boolean> {
    let failure: unknown;
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      try {
        if (await this.#tryReserve(entry)) return true;
        failure = undefined;
      } catch (error) {
        // Retried as a conflict is, after a short random pause: one SQLite
        // file under several handles answers "database is locked" while
        // another writes, and KV Connect can drop a request.
        failure = error;
        await new Promise((done) =>
          setTimeout(done, Math.random() * 2 ** attempt)
        );
      }
    }
    if (failure === undefined) {
      // Contended past every attempt: as many instances reserving this key
      // at once is a flood; refuse this round, ask again in a second.
      entry.refuseUntil = this.#now() + 1_000;
      return true;
    }
    const window = Math.floor(this.#now() / this.windowMs);
    if (this.#warnedIn !== window) {
      this.#warnedIn = window;
      logger.warn("rate limit {name}: KV failed, hits allowed: {error}", {
        name: this.name,
        error: failure,
      });
    }
    return false;
  }

  /** One checked write; false when another writer got there first. */
  async #tryReserve(entry: Entry): Promise<boolean> {
    const w = this.windowMs;
    const now = this.#now();
    const window = Math.floor(now / w);
    const currentKey = [...entry.kvKey, window];
    const [previous, current] = await this.#kv.getMany<[number, number]>(
      [[...entry.kvKey, window - 1], currentKey],
    );
    const before = previous.value ?? 0;
    const count = current.value ?? 0;
    // ⌈limit − count − before × (1 − elapsed / w)⌉, in whole numbers so
    // that no rounding admits one hit too many.
    const elapsed = now - window * w;
    const left = Math.ceil(
      ((this.limit - count) * w - before * (w - elapsed)) / w,
    );
    if (left <= 0) {
      entry.refuseUntil = this.#admitsAgainAt(window, before, count);
      return true;
    }
    const chunk = Math.ceil(left / CHUNK_DIVISOR);
    const result = await this.#kv.atomic()
      .check(previous, current)
      .set(currentKey, count + chunk, { expireIn: 2 * w })
      .commit();
    if (!result.ok) return false;
    if (entry.window !== window) {
      entry.window = window;
      entry.quota = 0;
    }
    entry.quota += chunk;
    return true;
  }

  /**
   * The first epoch ms at which the estimate is under the limit again, with
   * `before` and `count` the previous and current windows' counts (assuming
   * nobody reserves more meanwhile: then the next hit asks KV again).
   */
  #admitsAgainAt(window: number, before: number, count: number): number {
    const w = this.windowMs;
    if (count >= this.limit) {
      // Next window: count × (1 − e / w) < limit once e > w (count − limit) / count.
      return (window + 1) * w +
        Math.floor(w * (count - this.limit) / count) + 1;
    }
    // This window: before × (1 − e / w) < limit − count.
    return window * w +
      Math.floor(w * (before - (this.limit - count)) / before) + 1;
  }

  /**
   * At each new window the current map becomes the previous one and the
   * previous one is dropped; after a window of silence, both are. Should
   * the clock step back, both are kept (refusals are clamped to a window)
   * and the next rotation counts from there.
   */
  #rotate(window: number): void {
    if (window === this.#window) return;
    if (window < this.#window) {
      this.#window = window;
      return;
    }
    this.#previous = window === this.#window + 1 ? this.#current : new Map();
    this.#current = new Map();
    this.#admitted = 0;
    this.#carried = 0;
    this.#window = window;
  }
}

function newEntry(kvKey: Deno.KvKeyPart[]): Entry {
  return {
    kvKey,
    window: -Infinity,
    quota: 0,
    refuseUntil: 0,
    refusedIn: -Infinity,
    pending: undefined,
  };
}
