/**
 * Presence history of one channel (spec RSP4 REST presence history, RTP12
 * realtime presence history, which goes through REST): every enter, update
 * and leave broadcast on the channel, bounded like message history, paged
 * newest first by default. Each event remembers the channel's serial at the
 * time, so `untilAttach` (from_serial, RTL10b) can stop at an attach point.
 * The counterpart is ably-js `RestPresence.history` /
 * `RealtimePresence.history`, which read `GET
 * /channels/{name}/presence/history`.
 */

import type { WirePresence } from "./protocol.ts";

interface Recorded {
  /** Order of recording: the cursor of a page. */
  seq: number;
  /** The channel's serial when the event happened. */
  channelSerial: string;
  event: WirePresence;
}

/** Presence events of one channel, oldest first. */
export class PresenceHistory {
  readonly #events: Recorded[] = [];
  readonly #limit: number;
  #seq = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Records broadcast events. */
  record(events: readonly WirePresence[], channelSerial: string): void {
    for (const event of events) {
      this.#events.push({ seq: ++this.#seq, channelSerial, event });
    }
    const excess = this.#events.length - this.#limit;
    if (excess > 0) this.#events.splice(0, excess);
  }

  /** One page; `cursor`/`next` are recording sequence numbers. */
  page(opts: {
    limit: number;
    direction: "backwards" | "forwards";
    start?: number;
    end?: number;
    fromSerial?: string;
    cursor?: string;
  }): { items: WirePresence[]; next?: string } {
    const backwards = opts.direction === "backwards";
    const cursor = opts.cursor === undefined ? undefined : Number(opts.cursor);
    const picked = this.#events.filter((r) => {
      const ts = r.event.timestamp ?? 0;
      if (opts.start !== undefined && ts < opts.start) return false;
      if (opts.end !== undefined && ts > opts.end) return false;
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
