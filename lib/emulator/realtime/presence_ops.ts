/**
 * PRESENCE from a client and the leaves a connection causes (spec RTP8
 * enter, RTP9 update, RTP10 leave; RTP2 members keyed by
 * `connectionId:clientId`; RTP5/RTP17 members leave when their connection
 * detaches, closes or stays dropped). The member set itself lives in
 * core/presence.ts; the counterpart is ably-js `RealtimePresence`, which sends
 * these frames and expects its own echo before the ACK.
 */

import { operationsFor } from "../auth/mod.ts";
import {
  type Channel,
  Errors,
  Flag,
  type InboundFrame,
  parseChannelName,
  type PresenceMember,
  readPresence,
  type WirePresence,
} from "../core/mod.ts";
import type { ConnectionContext } from "./context.ts";
import { checkClientId, checkSize } from "./publish_ops.ts";

/**
 * RTP8–RTP10: enter/update/leave. Needs the presence right (40160), an
 * attached channel (90001), a clientId (91000) and room in the channel's
 * presence limits (91003, 91006: core/presence.ts). The broadcast — echo
 * included — goes out before the ACK so the client sees itself first.
 */
export function applyPresence(
  conn: ConnectionContext,
  frame: InboundFrame,
  serial: number,
): undefined {
  const name = parseChannelName(frame.channel);
  if (!operationsFor(conn.grant.capability, name.base).has("presence")) {
    throw Errors.notPermitted(
      `Unable to enter presence channel: permission denied`,
    );
  }
  const attachment = conn.attached.get(name.full);
  if (!attachment) throw Errors.channelState("Channel is not attached");
  // RTL4l: a channel attached without the presence mode cannot enter,
  // whatever the capability says.
  if ((attachment.modes & Flag.PRESENCE) === 0) {
    throw Errors.notPermitted(
      "Unable to enter presence channel: channel attached without the presence mode",
    );
  }
  const list = readPresence(frame.presence);
  checkSize(conn, list);
  const now = conn.host.now();
  const events: PresenceMember[] = list.map((p, i) => {
    checkClientId(conn, p);
    const clientId = p.clientId ?? conn.clientId;
    if (!clientId || clientId === "*") throw Errors.presenceNoClientId();
    return {
      ...p,
      clientId,
      connectionId: conn.id,
      id: `${conn.id}:${serial}:${i}`,
      timestamp: now,
    };
  });
  const channel = conn.host.channels.get(name.base);
  const changes: WirePresence[] = [];
  try {
    for (const event of events) {
      const change = channel.presence.apply(event);
      if (change) changes.push(change);
    }
  } finally {
    // A presence limit (91003, 91006) may stop a frame part-way: what was
    // applied before it is still announced, so members agree everywhere.
    channel.broadcastPresence(changes, {
      id: `${conn.id}:${serial}`,
      connectionId: conn.id,
      timestamp: now,
    });
  }
  return undefined;
}

/** Every member of the connection on `channel` leaves (RTP5, RTP17). */
export function leavePresence(conn: ConnectionContext, channel: Channel): void {
  const now = conn.host.now();
  // Leave ids continue the connection's own msgSerial order (RTP2b2).
  const serial = conn.acks.lastSerial + 1;
  const left = channel.presence.removeConnection(conn.id, serial, now);
  channel.broadcastPresence(left, {
    id: `${conn.id}:${serial}`,
    connectionId: conn.id,
    timestamp: now,
  });
}

/** The connection's members leave every channel it is attached to. */
export function leavePresenceEverywhere(conn: ConnectionContext): void {
  for (const { channel: name } of conn.attached.values()) {
    const channel = conn.host.channels.find(name.base);
    if (channel) leavePresence(conn, channel);
  }
}
