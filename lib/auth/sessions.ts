/**
 * Sessions in Deno KV: `["sessions", id]` → `{ user, createdAt, expiresAt }`,
 * written with `expireIn` = the session TTL.
 *
 * KV deletes expired keys lazily, so a read can still return a session past
 * its time: `getUser` checks `expiresAt` itself and treats such a record as
 * absent. One KV read per look-up, or none when the optional per-instance
 * cache (`session_cache.ts`) remembers the id. Ids are made in `cookies.ts`.
 */
import {
  type Remembered,
  SessionCache,
  type SessionCacheOptions,
} from "./session_cache.ts";
import type { Span } from "@opentelemetry/api";
import { instruments, SPAN, withSpan } from "../platform/mod.ts";
import { isUser, type User } from "./user.ts";

/** What `["sessions", id]` holds. */
export interface SessionRecord {
  user: User;
  /** Epoch ms of the sign-in. */
  createdAt: number;
  /** Epoch ms after which the session is not accepted, whatever KV returns. */
  expiresAt: number;
}

export interface SessionStoreOptions {
  kv: Deno.Kv;
  /** How long a sign-in lasts. */
  ttlSeconds: number;
  /** Cache look-ups per instance (see `session_cache.ts`); `false` reads KV every time. */
  cache?: SessionCacheOptions | false;
  /** The clock, for tests; `Date.now` unless given. */
  now?: () => number;
}

/** Sessions of one KV store. */
export interface SessionStore {
  /** Stores a new session for `user` under `id`. */
  create(id: string, user: User): Promise<SessionRecord>;
  /** The user of session `id`, or `null` when missing, expired or malformed. */
  getUser(id: string): Promise<User | null>;
  /**
   * As `getUser`, with when the KV read that vouches for the user began
   * (for a remembered look-up, the original read); `fresh` skips the cache.
   */
  lookup(id: string, options?: { fresh?: boolean }): Promise<Remembered | null>;
  /** Ends session `id` in KV and in this instance's cache. */
  delete(id: string): Promise<void>;
  /**
   * Adds the end of session `id` to `op`, so that what must follow a
   * sign-out commits with it; call `forget(id)` once `op` has committed.
   */
  deleteIn(op: Deno.AtomicOperation, id: string): void;
  /** Drops session `id` from this instance's cache. */
  forget(id: string): void;
  /** The cache, when enabled (tests and metrics look at it). */
  readonly cache: SessionCache | undefined;
}

export function sessionKey(id: string): Deno.KvKey {
  return ["sessions", id];
}

/** A session store over `kv`. */
export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { kv, ttlSeconds } = options;
  const now = options.now ?? Date.now;
  const cache = options.cache === false
    ? undefined
    : new SessionCache(options.cache);
  const ttlMs = ttlSeconds * 1000;

  function lookup(
    id: string,
    { fresh = false }: { fresh?: boolean } = {},
  ): Promise<Remembered | null> {
    // The span says where the answer came from, never which session.
    return withSpan(SPAN.sessionLookup, async (span) => {
      const readAt = now();
      const cached = fresh ? undefined : cache?.get(id, readAt);
      if (cached) {
        if (span) recordLookup(span, "cache", "found");
        return cached;
      }
      const generation = cache?.generation ?? 0;
      const entry = await kv.get<SessionRecord>(sessionKey(id));
      const record = entry.value;
      if (!isRecord(record) || record.expiresAt <= readAt) {
        // A fresh read that finds the session gone ends what the cache held.
        if (fresh) cache?.delete(id);
        if (span) recordLookup(span, "kv", "absent");
        return null;
      }
      cache?.set(id, record.user, record.expiresAt, readAt, generation);
      if (span) recordLookup(span, "kv", "found");
      return { user: record.user, readAt };
    });
  }

  return {
    cache,
    async create(id, user) {
      const createdAt = now();
      const record: SessionRecord = {
        user,
        createdAt,
        expiresAt: createdAt + ttlMs,
      };
      await kv.set(sessionKey(id), record, { expireIn: ttlMs });
      return record;
    },
    async getUser(id) {
      return (await lookup(id))?.user ?? null;
    },
    lookup,
    async delete(id) {
      cache?.delete(id);
      await kv.delete(sessionKey(id));
      cache?.delete(id);
    },
    deleteIn(op, id) {
      cache?.delete(id);
      op.delete(sessionKey(id));
    },
    forget(id) {
      cache?.delete(id);
    },
  };
}

/** The look-up's source and outcome, on its span and in `live.session.lookups`. */
function recordLookup(
  span: Span,
  source: "cache" | "kv",
  outcome: "found" | "absent",
): void {
  span.setAttribute("live.session.source", source);
  span.setAttribute("live.outcome", outcome);
  instruments.sessionLookups.add(1, LOOKUP_LABELS[source][outcome]);
}

const LOOKUP_LABELS = {
  cache: {
    found: { "live.session.source": "cache", "live.outcome": "found" },
    absent: { "live.session.source": "cache", "live.outcome": "absent" },
  },
  kv: {
    found: { "live.session.source": "kv", "live.outcome": "found" },
    absent: { "live.session.source": "kv", "live.outcome": "absent" },
  },
} as const;

function isRecord(value: unknown): value is SessionRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return isUser(record.user) && typeof record.expiresAt === "number" &&
    typeof record.createdAt === "number";
}
