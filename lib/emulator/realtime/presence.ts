/**
 * The presence set of one channel (spec RTP2: members keyed by
 * `connectionId:clientId`; RTP8–RTP10 enter, update, leave; RTP18/RTP19 the
 * SYNC that hands a newly attached client the current members). The
 * counterpart is ably-js `PresenceMap`, which orders members by parsing the
 * id `<connectionId>:<msgSerial>:<index>` — so every id made here has that
 * exact shape.
 */

import { PresenceAction, type WirePresence } from "./protocol.ts";

/** A member as stored: the latest presence message of a client on a
 * connection, with action PRESENT. */
export interface PresenceMember extends WirePresence {
  clientId: string;
  connectionId: string;
  id: string;
  timestamp: number;
}

/** Members of one channel. */
export class PresenceSet {
  readonly #members = new Map<string, PresenceMember>();

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
      this.#members.delete(key);
      return event;
    }
    const action = existing ? PresenceAction.UPDATE : PresenceAction.ENTER;
    const stored: PresenceMember = { ...event, action: PresenceAction.PRESENT };
    this.#members.set(key, stored);
    return { ...event, action };
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
      this.#members.delete(key);
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
