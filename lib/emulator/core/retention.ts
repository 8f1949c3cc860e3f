/**
 * How long a channel's history is kept, as Ably's channel rules decide it:
 * two minutes by default, 24 hours for a namespace with a "persist" rule
 * (the free package's persisted history). The clock is injectable so tests
 * can prove a message outlives neither. Used by channels.ts, which drops
 * older publishes before it answers history, rewind or a resume, and by
 * presence_history.ts, which drops older presence events alike; configured
 * by the `persist` option of startEmulator (server.ts) and `--persist` of
 * cli.ts.
 */

/** Ably keeps messages two minutes unless a channel rule persists them. */
export const DEFAULT_RETENTION_MS = 2 * 60 * 1000;
/** A "persist" channel rule keeps them 24 hours. */
export const PERSISTED_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Retention per channel plus the clock it is measured with. */
export class HistoryRetention {
  readonly #persisted: Set<string>;
  readonly #defaultMs: number;
  readonly #now: () => number;

  /**
   * `persist`: namespaces (`chat` for channels `chat:*`) kept 24 h;
   * `defaultMs`: everything else (two minutes); `now`: the clock.
   */
  constructor(
    options: { persist?: string[]; defaultMs?: number; now?: () => number } =
      {},
  ) {
    for (const ns of options.persist ?? []) {
      if (!/^[^:*\s]+$/.test(ns)) {
        throw new TypeError(
          `persist: "${ns}" is not a channel namespace (no ':', '*' or spaces)`,
        );
      }
    }
    this.#persisted = new Set(options.persist ?? []);
    this.#defaultMs = options.defaultMs ?? DEFAULT_RETENTION_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The oldest timestamp `channel`'s history keeps now, ms. */
  oldestKept(channel: string): number {
    return this.#now() - this.#retentionFor(channel);
  }

  /** How long `channel`'s history is kept, ms. */
  #retentionFor(channel: string): number {
    // A channel's namespace is the part before its first ':' (Ably channel
    // rules match on it); a name without ':' has none.
    const colon = channel.indexOf(":");
    const namespace = colon > 0 ? channel.slice(0, colon) : undefined;
    return namespace !== undefined && this.#persisted.has(namespace)
      ? PERSISTED_RETENTION_MS
      : this.#defaultMs;
  }
}
