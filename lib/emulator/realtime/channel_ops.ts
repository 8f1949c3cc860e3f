/**
 * ATTACH and DETACH from a client (spec RTL4 attach, RTL5 detach, RTL4c1 /
 * RTL15b continuity by channelSerial, RTP1 / RTP18 the presence SYNC that
 * follows ATTACHED). The channel itself (history, fan-out) lives in
 * channels.ts; the counterpart is ably-js `RealtimeChannel`, which sends
 * ATTACH with its modes, params and last channelSerial and waits for
 * ATTACHED (or a channel ERROR) in return.
 */

import { operationsFor } from "../capability.ts";
import { randomId } from "../crypto.ts";
import { asAblyError, Errors } from "../errors.ts";
import type { Channel, StoredPublish } from "./channels.ts";
import { type ConnectionContext, sendChannelError } from "./context.ts";
import { modesFor, readParams } from "./modes.ts";
import type { PresenceMember } from "./presence.ts";
import { leavePresence } from "./presence_ops.ts";
import {
  Action,
  ALL_MODES,
  Flag,
  type InboundFrame,
  readChannelName,
} from "./protocol.ts";

/** Members per SYNC frame (RTP18). */
const SYNC_PAGE_SIZE = 100;

/** RTL4: ATTACH → ATTACHED with granted modes, SYNC, replay/rewind. */
export function attach(conn: ConnectionContext, frame: InboundFrame): void {
  let name: string;
  try {
    name = readChannelName(frame);
  } catch (err) {
    return sendChannelError(conn, frame.channel, asAblyError(err));
  }
  const ops = operationsFor(conn.grant.capability, name);
  if (ops.size === 0 || (ops.size === 1 && ops.has("stats"))) {
    // RTL4e / Ably: attaching without any right on the channel fails it.
    return sendChannelError(
      conn,
      name,
      Errors.notPermitted(`Channel denied access based on given capability`),
    );
  }
  const wasAttached = conn.attached.has(name);
  const maxChannels = conn.host.limits.maxChannelsPerConnection;
  if (!wasAttached && conn.attached.size >= maxChannels) {
    return sendChannelError(conn, name, Errors.tooManyChannels(maxChannels));
  }
  const allowed = modesFor(ops);
  const requested = typeof frame.flags === "number"
    ? frame.flags & ALL_MODES
    : 0;
  const modes = requested !== 0 ? requested & allowed : allowed;
  const channel = conn.host.channels.get(name);
  conn.attached.set(name, modes);
  channel.subscribers.set(conn, modes);

  const now = conn.host.now();
  let replay: StoredPublish[] = [];
  let resumed = false;
  const params = readParams(frame.params);
  if (typeof frame.channelSerial === "string" && frame.channelSerial) {
    // RTL4c1 / RTL15b: the client's channelSerial asks for continuity.
    const missed = channel.since(frame.channelSerial);
    if (missed) {
      replay = missed;
      resumed = wasAttached && !conn.presenceDropped.has(name);
    }
  } else if (params.rewind !== undefined) {
    replay = channel.rewind(params.rewind, now);
  }
  const members = (modes & Flag.PRESENCE_SUBSCRIBE) !== 0
    ? channel.presence.snapshot()
    : [];
  let flags = modes;
  if (members.length > 0) flags |= Flag.HAS_PRESENCE;
  if (resumed) flags |= Flag.RESUMED;
  const attached: Record<string, unknown> = {
    action: Action.ATTACHED,
    channel: name,
    flags,
    channelSerial: channel.channelSerial,
  };
  if (Object.keys(params).length > 0) attached.params = params;
  conn.presenceDropped.delete(name);
  conn.send(attached);
  // RTP1 / RTP18: with HAS_PRESENCE the client expects a SYNC; without it,
  // it clears its member set.
  if (members.length > 0) sendSync(conn, channel, members);
  if ((modes & Flag.SUBSCRIBE) !== 0) {
    for (const p of replay) {
      if (!conn.echo && p.connectionId === conn.id) continue;
      conn.sendText(p.text);
    }
  }
}

function sendSync(
  conn: ConnectionContext,
  channel: Channel,
  members: PresenceMember[],
): void {
  const syncId = randomId(6).replace(/[^A-Za-z0-9]/g, "x");
  for (let i = 0; i < members.length; i += SYNC_PAGE_SIZE) {
    const last = i + SYNC_PAGE_SIZE >= members.length;
    conn.send({
      action: Action.SYNC,
      channel: channel.name,
      // RTP18a: `<syncId>:<cursor>`; an empty cursor ends the sync.
      channelSerial: `${syncId}:${last ? "" : String(i + SYNC_PAGE_SIZE)}`,
      presence: members.slice(i, i + SYNC_PAGE_SIZE),
    });
  }
}

/** RTL5: DETACH → DETACHED; the connection's presence there leaves. */
export function detach(conn: ConnectionContext, frame: InboundFrame): void {
  let name: string;
  try {
    name = readChannelName(frame);
  } catch (err) {
    return sendChannelError(conn, frame.channel, asAblyError(err));
  }
  if (conn.attached.delete(name)) {
    const channel = conn.host.channels.find(name);
    if (channel) {
      channel.subscribers.delete(conn);
      leavePresence(conn, channel);
    }
  }
  conn.send({ action: Action.DETACHED, channel: name });
}

/** Forgets one attached channel after its rights are gone (RTN22, RTL4e). */
export function failChannel(
  conn: ConnectionContext,
  name: string,
  error: ReturnType<typeof Errors.notPermitted>,
): void {
  conn.attached.delete(name);
  const channel = conn.host.channels.find(name);
  if (channel) {
    channel.subscribers.delete(conn);
    leavePresence(conn, channel);
  }
  sendChannelError(conn, name, error);
}
