/**
 * Channels of one emulator: subscribers with their modes, a message history
 * bounded in count (`historyLimit`) and age (retention.ts), serials, and
 * fan-out (spec RTL6 publish, RTL7 subscribe, RTL10 history and RTL15b
 * channelSerial; RSL1/RSL2 for the REST side), plus presence history
 * (presence_history.ts), bounded alike. A publish is serialised to JSON
 * once and the same text goes to every subscriber of the plain name;
 * attachments under a qualified name (`[?rewind=1]x`, a derived
 * `[filter=…]x`) form views that get their own copy, renamed and filtered.
 * The counterpart is ably-js `RealtimeChannel.processMessage`, which reads
 * `channelSerial` from ATTACHED/MESSAGE and sends it back on re-attach, so a
 * re-attach after a resume replays what was missed.
 */

import { randomAlnum } from "./ids.ts";
import type { MessageFilter } from "./filter.ts";
import {
  Action,
  Flag,
  type WireMessage,
  type WirePresence,
} from "./protocol.ts";
import { type PresenceLimits, PresenceSet } from "./presence.ts";
import type { HistoryPage, HistoryQuery } from "./history_query.ts";
import { PresenceHistory } from "./presence_history.ts";
import { HistoryRetention } from "./retention.ts";

/** A realtime connection as a channel sees it. */
export interface Subscriber {
  readonly id: string;
  readonly echo: boolean;
  sendText(text: string): void;
}

/** One publish as stored in history and replayed on attach. */
export interface StoredPublish {
  /** Channel serial of the publish: `<epoch>-<counter>`, sortable. */
  channelSerial: string;
  counter: number;
  timestamp: number;
  /** Publishing connection, if realtime. */
  connectionId?: string;
  /** The messages, every field filled in. */
  messages: WireMessage[];
  /** The MESSAGE frame as sent to subscribers. */
  text: string;
}

/**
 * Attachments under a qualified name (`[?rewind=1]room`,
 * `[filter=…]room`): frames to them carry that name, and a derived
 * channel's filter picks the messages they get.
 */
interface View {
  readonly name: string;
  readonly filter?: MessageFilter;
  readonly subscribers: Map<Subscriber, number>;
}

/** How long a client-chosen message id is remembered (Ably: two minutes). */
export const IDEMPOTENCY_WINDOW_MS = 120_000;
/** Most ids remembered per channel: a bound on memory under a flood. */
const IDEMPOTENCY_MAX_IDS = 100_000;

/** One channel. */
export class Channel {
  readonly name: string;
  /** Attachments under the plain name, with their mode bits. */
  readonly subscribers = new Map<Subscriber, number>();
  readonly #views = new Map<string, View>();
  readonly presence: PresenceSet;
  readonly presenceHistory: PresenceHistory;
  readonly #history: StoredPublish[] = [];
  /**
   * Recent publishes by the client-chosen id of their first message, oldest
   * first: Ably drops a repeat of such an id for two minutes (RSL1k),
   * however many messages the channel carried meanwhile, so this memory is
   * kept apart from the count-bounded history, by time, with a cap.
   */
  readonly #byClientId = new Map<
    string,
    { stored: StoredPublish; at: number }
  >();
  readonly #historyLimit: number;
  readonly #epoch: string;
  readonly #retention: HistoryRetention;
  #counter = 0;

  constructor(
    name: string,
    epoch: string,
    historyLimit: number,
    retention = new HistoryRetention(),
    presenceLimits?: PresenceLimits,
  ) {
    this.name = name;
    this.presence = new PresenceSet(presenceLimits);
    this.#epoch = epoch;
    this.#historyLimit = historyLimit;
    this.#retention = retention;
    // Presence history is bounded and retained like message history.
    this.presenceHistory = new PresenceHistory(
      historyLimit,
      () => retention.oldestKept(name),
    );
  }

  /** Drops publishes older than the channel's retention (retention.ts). */
  #expire(): void {
    const oldest = this.#retention.oldestKept(this.name);
    while (this.#history.length > 0 && this.#history[0].timestamp < oldest) {
      this.#dropOldest();
    }
  }

  /** Drops the oldest retained publish. */
  #dropOldest(): void {
    this.#history.shift();
  }

  /** Forgets client-chosen ids past the idempotency window, and past the cap. */
  #forgetOldIds(now: number): void {
    for (const [id, { at }] of this.#byClientId) {
      if (
        at > now - IDEMPOTENCY_WINDOW_MS &&
        this.#byClientId.size <= IDEMPOTENCY_MAX_IDS
      ) break;
      this.#byClientId.delete(id);
    }
  }

  /** The serial of the latest publish (RTL15b), or the channel's origin. */
  get channelSerial(): string {
    return serialOf(this.#epoch, this.#counter);
  }

  /** Whether the channel holds nothing worth keeping. */
  get idle(): boolean {
    return this.subscribers.size === 0 && this.#views.size === 0 &&
      this.presence.size === 0;
  }

  /**
   * Adds or updates an attachment. `as` is the name the client attached
   * with; a qualified one gets frames under that name, filtered by
   * `filter` (a derived channel).
   */
  subscribe(
    sub: Subscriber,
    as: string,
    modes: number,
    filter?: MessageFilter,
  ): void {
    if (as === this.name) {
      this.subscribers.set(sub, modes);
      return;
    }
    let view = this.#views.get(as);
    if (!view) {
      view = { name: as, filter, subscribers: new Map() };
      this.#views.set(as, view);
    }
    view.subscribers.set(sub, modes);
  }

  /** Removes an attachment made under `as`. */
  unsubscribe(sub: Subscriber, as: string): void {
    if (as === this.name) {
      this.subscribers.delete(sub);
      return;
    }
    const view = this.#views.get(as);
    if (!view) return;
    view.subscribers.delete(sub);
    if (view.subscribers.size === 0) this.#views.delete(as);
  }

  /**
   * The MESSAGE frame of a stored publish as an attachment under `as`
   * sees it: renamed, and only the messages that pass `filter`; undefined
   * when none passes.
   */
  frameFor(
    stored: StoredPublish,
    as: string,
    filter?: MessageFilter,
  ): string | undefined {
    if (as === this.name) return stored.text;
    const messages = filter ? stored.messages.filter(filter) : stored.messages;
    if (messages.length === 0) return undefined;
    const frame = JSON.parse(stored.text) as Record<string, unknown>;
    frame.channel = as;
    frame.messages = messages;
    return JSON.stringify(frame);
  }

  /**
   * Stores and fans out one publish (RTL6, RSL1). Each message gets its id
   * (`<protocolId>:<index>` unless the client chose one, TM2a), clientId,
   * connectionId, timestamp and serial. `from` is skipped when it asked for
   * `echo=false` (RTN2b).
   */
  publish(
    input: WireMessage[],
    origin: { protocolId: string; connectionId?: string; from?: Subscriber },
    now: number,
  ): StoredPublish {
    this.#expire();
    this.#forgetOldIds(now);
    // RSL1k / RTL6a1: a publish retried with the same client-chosen ids is
    // accepted again but delivered once.
    const clientChosenId = input[0]?.id;
    const earlier = clientChosenId !== undefined
      ? this.#byClientId.get(clientChosenId)
      : undefined;
    if (earlier) return earlier.stored;
    const counter = ++this.#counter;
    const channelSerial = serialOf(this.#epoch, counter);
    const messages = input.map((m, i) => {
      const out: WireMessage = {
        ...m,
        id: m.id ?? `${origin.protocolId}:${i}`,
      };
      if (origin.connectionId) out.connectionId = origin.connectionId;
      out.timestamp = now;
      out.serial = `${channelSerial}:${String(i).padStart(3, "0")}`;
      out.action = 0;
      return out;
    });
    const frame: Record<string, unknown> = {
      action: Action.MESSAGE,
      id: origin.protocolId,
      channel: this.name,
      channelSerial,
      timestamp: now,
      messages,
    };
    if (origin.connectionId) frame.connectionId = origin.connectionId;
    const text = JSON.stringify(frame);
    const stored: StoredPublish = {
      channelSerial,
      counter,
      timestamp: now,
      connectionId: origin.connectionId,
      messages,
      text,
    };
    this.#history.push(stored);
    if (clientChosenId !== undefined) {
      this.#byClientId.set(clientChosenId, { stored, at: now });
    }
    if (this.#history.length > this.#historyLimit) this.#dropOldest();
    for (const [sub, modes] of this.subscribers) {
      if ((modes & Flag.SUBSCRIBE) === 0) continue;
      if (sub === origin.from && !sub.echo) continue;
      sub.sendText(text);
    }
    for (const view of this.#views.values()) {
      let viewText: string | undefined | null = null;
      for (const [sub, modes] of view.subscribers) {
        if ((modes & Flag.SUBSCRIBE) === 0) continue;
        if (sub === origin.from && !sub.echo) continue;
        // Serialised once per view, and only if someone there receives it.
        if (viewText === null) {
          viewText = this.frameFor(stored, view.name, view.filter);
        }
        if (viewText === undefined) break;
        sub.sendText(viewText);
      }
    }
    return stored;
  }

  /** Sends presence events to every subscriber with PRESENCE_SUBSCRIBE. */
  broadcastPresence(
    presence: WirePresence[],
    meta: { id: string; connectionId: string; timestamp: number },
  ): void {
    if (presence.length === 0) return;
    this.presenceHistory.record(presence, this.channelSerial, meta.timestamp);
    const frame = {
      action: Action.PRESENCE,
      channel: this.name,
      id: meta.id,
      connectionId: meta.connectionId,
      timestamp: meta.timestamp,
      presence,
    };
    const text = JSON.stringify(frame);
    for (const [sub, modes] of this.subscribers) {
      if ((modes & Flag.PRESENCE_SUBSCRIBE) !== 0) sub.sendText(text);
    }
    // Presence is the channel's: every view sees it, filters apply to
    // messages only.
    for (const view of this.#views.values()) {
      let viewText: string | undefined;
      for (const [sub, modes] of view.subscribers) {
        if ((modes & Flag.PRESENCE_SUBSCRIBE) === 0) continue;
        viewText ??= JSON.stringify({ ...frame, channel: view.name });
        sub.sendText(viewText);
      }
    }
  }

  /**
   * Publishes after `channelSerial`, or undefined when continuity cannot be
   * given (another emulator run, or older than the retained history).
   */
  since(channelSerial: string): StoredPublish[] | undefined {
    this.#expire();
    const dash = channelSerial.lastIndexOf("-");
    if (dash < 0 || channelSerial.slice(0, dash) !== this.#epoch) {
      return undefined;
    }
    const counter = Number.parseInt(channelSerial.slice(dash + 1), 36);
    if (!Number.isSafeInteger(counter) || counter > this.#counter) {
      return undefined;
    }
    const oldest = this.#history[0]?.counter ?? this.#counter + 1;
    if (counter < oldest - 1) return undefined;
    return this.#history.filter((p) => p.counter > counter);
  }

  /**
   * Publishes for a `rewind` channel param: a count (`"10"`) or a time span
   * (`"30s"`, `"2m"`, `"1h"`), at most 100 (Ably's rewind limit).
   */
  rewind(spec: string, now: number): StoredPublish[] {
    this.#expire();
    const count = /^\d+$/.test(spec) ? Number(spec) : undefined;
    if (count !== undefined) {
      return count === 0 ? [] : this.#history.slice(-Math.min(count, 100));
    }
    const match = /^(\d+)(s|m|h)$/.exec(spec);
    if (!match) return [];
    const unit =
      { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "s" | "m" | "h"];
    const from = now - Number(match[1]) * unit;
    return this.#history.filter((p) => p.timestamp >= from).slice(-100);
  }

  /**
   * One page of history, flattened to messages (RSL2): backwards = newest
   * first (the default), forwards = oldest first. `cursor` is the serial of
   * the first message of the page; `next` that of the following page.
   */
  history(opts: HistoryQuery): HistoryPage<WireMessage> {
    this.#expire();
    const all: WireMessage[] = [];
    for (const p of this.#history) {
      if (opts.start !== undefined && p.timestamp < opts.start) continue;
      if (opts.end !== undefined && p.timestamp > opts.end) continue;
      // Serials of one channel sort as strings (serialOf pads them).
      if (opts.fromSerial !== undefined && p.channelSerial > opts.fromSerial) {
        continue;
      }
      for (const m of p.messages) all.push(m);
    }
    const backwards = opts.direction === "backwards";
    if (backwards) all.reverse();
    const cursor = opts.cursor;
    // Serials sort as strings, so a cursor still works after the message it
    // names has left the retained history.
    const from = cursor === undefined
      ? 0
      : all.findIndex((m) =>
        backwards
          ? (m.serial as string) <= cursor
          : (m.serial as string) >= cursor
      );
    if (from < 0) return { items: [] };
    const items = all.slice(from, from + opts.limit);
    const next = all[from + opts.limit]?.serial;
    return next === undefined ? { items } : { items, next };
  }
}

/** All channels of one emulator; idle channels beyond the bound are evicted. */
export class ChannelRegistry {
  readonly #channels = new Map<string, Channel>();
  readonly #epoch = randomAlnum(8);
  readonly #historyLimit: number;
  readonly #maxChannels: number;
  readonly #retention: HistoryRetention;
  readonly #presenceLimits: PresenceLimits | undefined;

  constructor(
    historyLimit: number,
    maxChannels: number,
    retention = new HistoryRetention(),
    presenceLimits?: PresenceLimits,
  ) {
    this.#historyLimit = historyLimit;
    this.#maxChannels = maxChannels;
    this.#retention = retention;
    this.#presenceLimits = presenceLimits;
  }

  /** The channel, created on first use. */
  get(name: string): Channel {
    let channel = this.#channels.get(name);
    if (!channel) {
      if (this.#channels.size >= this.#maxChannels) this.#evictIdle();
      channel = new Channel(
        name,
        this.#epoch,
        this.#historyLimit,
        this.#retention,
        this.#presenceLimits,
      );
      this.#channels.set(name, channel);
    } else {
      // Keep recently used channels at the end, so eviction hits the oldest.
      this.#channels.delete(name);
      this.#channels.set(name, channel);
    }
    return channel;
  }

  /** The channel if it exists. */
  find(name: string): Channel | undefined {
    return this.#channels.get(name);
  }

  #evictIdle(): void {
    for (const [name, channel] of this.#channels) {
      if (channel.idle) {
        this.#channels.delete(name);
        if (this.#channels.size < this.#maxChannels) return;
      }
    }
  }
}

function serialOf(epoch: string, counter: number): string {
  return `${epoch}-${counter.toString(36).padStart(10, "0")}`;
}
