/**
 * MESSAGE from a client (spec RTL6 publish, RTN7 ACK/NACK, RTN19a resend
 * after a resume): the ACK log that answers every msgSerial exactly once and
 * in order, the publish itself, and the checks a publish and a presence
 * message share (maxMessageSize 40009, clientId 40012). The counterpart is
 * ably-js `Protocol` / `MessageQueue`, which waits for the ACK of each
 * msgSerial and resends unacknowledged ones after a resume.
 */

import { operationsFor } from "../auth/mod.ts";
import {
  Action,
  asAblyError,
  Errors,
  Flag,
  type InboundFrame,
  messagesSize,
  parseChannelName,
  readMessages,
  readMsgSerial,
} from "../core/mod.ts";
import type { ConnectionContext } from "./context.ts";

/** Recent ACK/NACK frames kept to answer a resent msgSerial alike. */
const ACK_MEMORY = 128;

/** Answers to the msgSerials of one connection (RTN7). */
export class AckLog {
  readonly #answers = new Map<number, string>();
  #lastSerial = -1;

  /** The highest msgSerial applied, -1 before the first. */
  get lastSerial(): number {
    return this.#lastSerial;
  }

  /**
   * RTN7: every MESSAGE/PRESENCE with a msgSerial gets exactly one ACK or
   * NACK, in order. A msgSerial already seen (resent after a resume, RTN19a)
   * gets the same answer again and is not applied twice.
   */
  answer(
    conn: ConnectionContext,
    frame: InboundFrame,
    apply: (serial: number) => unknown,
  ): void {
    const serial = readMsgSerial(frame);
    if (serial <= this.#lastSerial) {
      const previous = this.#answers.get(serial);
      conn.sendText(
        previous ??
          JSON.stringify({ action: Action.ACK, msgSerial: serial, count: 1 }),
      );
      return;
    }
    this.#lastSerial = serial;
    let answer: string;
    try {
      const res = apply(serial);
      answer = JSON.stringify({
        action: Action.ACK,
        msgSerial: serial,
        count: 1,
        ...(res ? { res: [res] } : {}),
      });
    } catch (err) {
      answer = JSON.stringify({
        action: Action.NACK,
        msgSerial: serial,
        count: 1,
        error: asAblyError(err).toWire(),
      });
    }
    this.#answers.set(serial, answer);
    if (this.#answers.size > ACK_MEMORY) {
      this.#answers.delete(this.#answers.keys().next().value as number);
    }
    conn.sendText(answer);
  }
}

/** RTL6: publish; capability (40160), size (40009), clientId (40012). */
export function publish(
  conn: ConnectionContext,
  frame: InboundFrame,
  serial: number,
): { serials: string[] } {
  const name = parseChannelName(frame.channel);
  if (name.filter !== undefined) {
    throw Errors.badRequest(
      "Unable to publish to a derived channel: publish to its base channel",
    );
  }
  if (!operationsFor(conn.grant.capability, name.base).has("publish")) {
    throw Errors.notPermitted(
      `Unable to publish to channel: permission denied`,
    );
  }
  // RTL4l: publishing is allowed without an attach, but an attachment
  // without the publish mode forbids it.
  const attachment = conn.attached.get(name.full);
  if (attachment && (attachment.modes & Flag.PUBLISH) === 0) {
    throw Errors.notPermitted(
      "Unable to publish to channel: channel attached without the publish mode",
    );
  }
  const messages = readMessages(frame.messages);
  checkSize(conn, messages);
  for (const m of messages) checkClientId(conn, m);
  const stored = conn.host.channels.get(name.base).publish(
    messages.map((m) =>
      conn.clientId && !m.clientId ? { ...m, clientId: conn.clientId } : m
    ),
    { protocolId: `${conn.id}:${serial}`, connectionId: conn.id, from: conn },
    conn.host.now(),
  );
  return { serials: stored.messages.map((m) => m.serial as string) };
}

/** TO3l8: messages larger than maxMessageSize are refused (40009). */
export function checkSize(
  conn: ConnectionContext,
  list: Parameters<typeof messagesSize>[0],
): void {
  const size = messagesSize(list);
  const max = conn.host.limits.maxMessageSize;
  if (size > max) throw Errors.messageTooLarge(size, max);
}

/** RSA7 / RTL6g: a message's clientId must be the connection's own. */
export function checkClientId(
  conn: ConnectionContext,
  m: { clientId?: string },
): void {
  if (m.clientId === undefined) return;
  if (m.clientId === "*") {
    throw Errors.invalidClientId("clientId '*' cannot be used in a message");
  }
  if (conn.clientId !== undefined) {
    if (m.clientId !== conn.clientId) {
      throw Errors.invalidClientId(
        "Message clientId does not match the connection's clientId",
      );
    }
  } else if (conn.grant.clientId !== "*") {
    throw Errors.invalidClientId(
      "An anonymous connection cannot publish with a clientId",
    );
  }
}
