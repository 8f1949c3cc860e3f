/**
 * The presence set of one channel (spec RTP2: members keyed by
 * `connectionId:clientId`; RTP8–RTP10 enter, update, leave; RTP18/RTP19 the
 * SYNC that hands a newly attached client the current members), within
 * Ably's per-channel presence limits: members (Ably's "Limits" page: 200
 * on every package, 91003) and the combined data they hold (91006). The
 * counterpart is ably-js `PresenceMap`, which orders members by parsing the
 * id `<connectionId>:<msgSerial>:<index>` — so every id made here has that
 * exact shape.
 */

import { Errors } from "./errors.ts";
import { messagesSize, PresenceAction, type WirePresence } from "./protocol.ts";

/** A member as stored: the latest presence message of a client on a
 * connection, with action PRESENT. */
export interface PresenceMember extends WirePresence {
  clientId: string;
  connectionId: string;
  id: string;
  timestamp: number;
}

/** Bounds of one channel's presence set. */
export interface PresenceLimits {
  /** Members present at once (91003). */
  maxMembers: number;
  /** Bytes of data all members hold together (91006). */
  maxDataSize: number;
}

/** Ably's member limit; the data bound is the emulator's own figure, as
 * Ably publishes the code (91006) but no number. */
export const DEFAULT_PRESENCE_LIMITS: PresenceLimits = {
  maxMembers: 200,
  maxDataSize: 32_768,
};

/** Members of one channel. */
export class PresenceSet {
  readonly #members = new Map<string, PresenceMember>();
  readonly #limits: PresenceLimits;
  #dataSize = 0;

  constructor(limits: PresenceLimits = DEFAULT_PRESENCE_LIMITS) {
    this.#limits = limits;
  }

  /** Number of members. */
  get size(): number {
    return this.#members.size;
  }

  /** Every member, as PRESENT messages for a SYNC (RTP18). */
  snapshot(): PresenceMember[] {
    return [...this.#members.values()].map((m) => ({
      ...m,
      action: PresenceAction.PRESENT,
    }));
  }

  /**
   * Applies one enter/update/leave and returns the event to broadcast, or
   * undefined when nothing changed (a leave of a non-member). An enter of a
   * present member is an update and an update of an absent one an enter
   * (RTP8, RTP9).
   */
  apply(event: PresenceMember): PresenceMember | undefined {
    const key = `${event.connectionId}:${event.clientId}`;
    const existing = this.#members.get(key);
    if (event.action === PresenceAction.LEAVE) {
      if (!existing) return undefined;
      this.#remove(key, existing);
      return event;
    }
    if (!existing && this.#members.size >= this.#limits.maxMembers) {
      throw Errors.tooManyPresenceMembers(this.#limits.maxMembers);
    }
    const size = dataSize(event);
    const total = this.#dataSize - (existing ? dataSize(existing) : 0) + size;
    if (total > this.#limits.maxDataSize) {
      throw Errors.presenceDataTooLarge(this.#limits.maxDataSize);
    }
    const action = existing ? PresenceAction.UPDATE : PresenceAction.ENTER;
    const stored: PresenceMember = { ...event, action: PresenceAction.PRESENT };
    this.#members.set(key, stored);
    this.#dataSize = total;
    return { ...event, action };
  }

  #remove(key: string, member: PresenceMember): void {
    this.#members.delete(key);
    this.#dataSize -= dataSize(member);
  }

  /**
   * Removes every member of a connection (closed, detached or dropped for
   * longer than the leave delay) and returns their LEAVE events; ids keep the
   * connection's own ordering by using `msgSerial` one past its last.
   */
  removeConnection(
    connectionId: string,
    msgSerial: number,
    timestamp: number,
  ): PresenceMember[] {
    const left: PresenceMember[] = [];
    for (const [key, member] of this.#members) {
      if (member.connectionId !== connectionId) continue;
      this.#remove(key, member);
      left.push({
        ...member,
        action: PresenceAction.LEAVE,
        id: `${connectionId}:${msgSerial}:${left.length}`,
        timestamp,
      });
    }
    return left;
  }
}

/** The bytes of a member's data, counted as a message's are (TO3l8). */
function dataSize(member: WirePresence): number {
  return messagesSize([{ data: member.data, encoding: member.encoding }]);
}
