/**
 * Presence history of one channel (spec RSP4 REST presence history, RTP12
 * realtime presence history, which goes through REST): every enter, update
 * and leave broadcast on the channel, bounded like message history (at most
 * `historyLimit` events, none older than the channel's retention,
 * retention.ts), paged newest first by default. Each event remembers the channel's serial at the
 * time, so `untilAttach` (from_serial, RTL10b) can stop at an attach point.
 * The counterpart is ably-js `RestPresence.history` /
 * `RealtimePresence.history`, which read `GET
 * /channels/{name}/presence/history`.
 */

import type { HistoryPage, HistoryQuery } from "./history_query.ts";
import type { WirePresence } from "./protocol.ts";

interface Recorded {
  /** Order of recording: the cursor of a page. */
  seq: number;
  /** The channel's serial when the event happened. */
  channelSerial: string;
  /** When it was broadcast, ms. */
  timestamp: number;
  event: WirePresence;
}

/** Presence events of one channel, oldest first. */
export class PresenceHistory {
  readonly #events: Recorded[] = [];
  readonly #limit: number;
  readonly #oldestKept: () => number;
  #seq = 0;

  /**
   * `limit`: events kept at most; `oldestKept`: the earliest timestamp the
   * channel's retention keeps at the moment.
   */
  constructor(limit: number, oldestKept: () => number) {
    this.#limit = limit;
    this.#oldestKept = oldestKept;
  }

  /** Records events broadcast at `timestamp`. */
  record(
    events: readonly WirePresence[],
    channelSerial: string,
    timestamp: number,
  ): void {
    this.#expire();
    for (const event of events) {
      this.#events.push({ seq: ++this.#seq, channelSerial, timestamp, event });
    }
    const excess = this.#events.length - this.#limit;
    if (excess > 0) this.#events.splice(0, excess);
  }

  /** Drops events older than the channel's retention. */
  #expire(): void {
    const oldest = this.#oldestKept();
    const kept = this.#events.findIndex((r) => r.timestamp >= oldest);
    this.#events.splice(0, kept < 0 ? this.#events.length : kept);
  }

  /** One page; `cursor`/`next` are recording sequence numbers. */
  page(opts: HistoryQuery): HistoryPage<WirePresence> {
    this.#expire();
    const backwards = opts.direction === "backwards";
    const cursor = opts.cursor === undefined ? undefined : Number(opts.cursor);
    const picked = this.#events.filter((r) => {
      if (opts.start !== undefined && r.timestamp < opts.start) return false;
      if (opts.end !== undefined && r.timestamp > opts.end) return false;
      if (opts.fromSerial !== undefined && r.channelSerial > opts.fromSerial) {
        return false;
      }
      if (cursor !== undefined && Number.isFinite(cursor)) {
        return backwards ? r.seq <= cursor : r.seq >= cursor;
      }
      return true;
    });
    if (backwards) picked.reverse();
    const items = picked.slice(0, opts.limit).map((r) => r.event);
    const next = picked[opts.limit]?.seq;
    return next === undefined ? { items } : { items, next: String(next) };
  }
}
