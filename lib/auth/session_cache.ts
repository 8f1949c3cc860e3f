/**
 * A per-instance memory of recent session look-ups, so that a hot route
 * (`GET /api/live`, every page) does not read KV on every request.
 *
 * Bounded twice: at most `maxEntries` sessions (least recently used leaves
 * first) and each entry for at most `ttlMs`, and never past the session's own
 * `expiresAt`. Only found sessions are remembered: a forged id costs a KV read
 * every time but can never fill the cache.
 *
 * The price: a sign-out on another instance reaches this one up to `ttlMs`
 * later (500 ms by default, so a session ends everywhere within a second).
 * A sign-out on this instance is immediate (`delete`), including over a
 * look-up that was reading KV at that moment (see `generation`). Each entry
 * keeps when its KV read began (`readAt`): the token route hands out no
 * token more than a second after the reads that allowed it, which is what
 * lets a revocation a second after a sign-out cover every token a stale
 * entry could have vouched for (`lib/rooms/revocation.ts`).
 */
import type { User } from "./user.ts";

export interface SessionCacheOptions {
  /** Most sessions remembered; 10,000 unless given. */
  maxEntries?: number;
  /** Longest an entry is trusted without reading KV again; 500 ms unless given. */
  ttlMs?: number;
}

export const SESSION_CACHE_DEFAULTS = { maxEntries: 10_000, ttlMs: 500 };

interface Entry extends Remembered {
  /** Epoch ms after which the entry is not used. */
  until: number;
}

/** A remembered look-up: the user, and when the KV read that found it began. */
export interface Remembered {
  user: User;
  /** Epoch ms. */
  readAt: number;
}

/** Least-recently-used map of session id → user, with a time bound per entry. */
export class SessionCache {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly #entries = new Map<string, Entry>();
  #generation = 0;

  constructor(options: SessionCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? SESSION_CACHE_DEFAULTS.maxEntries;
    this.ttlMs = options.ttlMs ?? SESSION_CACHE_DEFAULTS.ttlMs;
    if (!(this.maxEntries >= 1) || !(this.ttlMs >= 0)) {
      throw new RangeError("session cache: maxEntries ≥ 1 and ttlMs ≥ 0");
    }
  }

  /**
   * Bumped by every `delete`. Read it before a KV look-up and hand it to
   * `set`: a result read while a sign-out ran is then not remembered.
   */
  get generation(): number {
    return this.#generation;
  }

  /** Number of entries held, expired ones included until touched. */
  get size(): number {
    return this.#entries.size;
  }

  /** The look-up for `id` if remembered and still within its bounds at `now`. */
  get(id: string, now: number): Remembered | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    if (entry.until <= now) return undefined;
    this.#entries.set(id, entry);
    return entry;
  }

  /**
   * Remembers `user` for `id`, read from KV from `readAt` on, until
   * `min(readAt + ttlMs, expiresAt)`, unless a `delete` happened since
   * `generation` was read.
   */
  set(
    id: string,
    user: User,
    expiresAt: number,
    readAt: number,
    generation: number,
  ): void {
    if (generation !== this.#generation || this.ttlMs === 0) return;
    this.#entries.delete(id);
    this.#entries.set(id, {
      user,
      readAt,
      until: Math.min(readAt + this.ttlMs, expiresAt),
    });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets `id` now (sign-out on this instance). */
  delete(id: string): void {
    this.#generation++;
    this.#entries.delete(id);
  }
}
