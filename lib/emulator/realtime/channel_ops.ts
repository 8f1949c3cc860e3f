/**
 * ATTACH and DETACH from a client (spec RTL4 attach, RTL4k params, RTL4l /
 * RTL4m modes, RTL5 detach, RTL4c1 / RTL15b continuity by channelSerial,
 * RTP1 / RTP18 the presence SYNC that follows ATTACHED). The name may be
 * qualified (core/channel_name.ts): params, a metachannel, or a derived channel
 * with a filter (core/filter.ts). The channel itself (history, fan-out) lives in
 * core/channels.ts; the counterpart is ably-js `RealtimeChannel`, which sends
 * ATTACH with its modes, params and last channelSerial and waits for
 * ATTACHED (or a channel ERROR) in return; `setOptions` with new modes or
 * params sends ATTACH again on an attached channel. When the connection's
 * rights change (re-auth, resume with a new token) its attached channels are
 * re-checked here too.
 */

import { operationsFor } from "../auth/mod.ts";
import {
  AblyError,
  Action,
  ALL_MODES,
  asAblyError,
  type Channel,
  type ChannelName,
  compileFilter,
  Errors,
  Flag,
  type InboundFrame,
  type MessageFilter,
  parseChannelName,
  type PresenceMember,
  randomId,
  type StoredPublish,
} from "../core/mod.ts";
import {
  type Attachment,
  type ConnectionContext,
  sendChannelError,
} from "./context.ts";
import { DEFAULT_MODES, modesFor, modesOfParams, readParams } from "./modes.ts";
import { leavePresence } from "./presence_ops.ts";

/** Members per SYNC frame (RTP18). */
const SYNC_PAGE_SIZE = 100;

/** RTL4: ATTACH → ATTACHED with granted modes, SYNC, replay/rewind. */
export function attach(conn: ConnectionContext, frame: InboundFrame): void {
  let name: ChannelName;
  let params: Record<string, string>;
  let filter: MessageFilter | undefined;
  try {
    name = parseChannelName(frame.channel);
    params = readParams(frame.params, name.params);
    if (name.filter !== undefined) filter = compileFilter(name.filter);
  } catch (err) {
    return sendChannelError(conn, frame.channel, asAblyError(err));
  }
  const ops = operationsFor(conn.grant.capability, name.base);
  if (ops.size === 0 || (ops.size === 1 && ops.has("stats"))) {
    // RTL4e / Ably: attaching without any right on the channel fails it.
    return sendChannelError(
      conn,
      name.full,
      Errors.notPermitted(`Channel denied access based on given capability`),
    );
  }
  const previous = conn.attached.get(name.full);
  const maxChannels = conn.host.limits.maxChannelsPerConnection;
  if (!previous && conn.attached.size >= maxChannels) {
    return sendChannelError(
      conn,
      name.full,
      Errors.tooManyChannels(maxChannels),
    );
  }
  // RTL4l / RTL4m: requested modes are granted as far as the capability
  // allows; none requested means the default modes it allows. A `modes`
  // param replaces the flag bits (ably-js
  // `attachWithChannelParamsModesAndChannelModes`).
  const allowed = modesFor(ops);
  const requested = modesOfParams(params) ||
    (typeof frame.flags === "number" ? frame.flags & ALL_MODES : 0);
  const modes = (requested !== 0 ? requested : DEFAULT_MODES) & allowed;
  const channel = conn.host.channels.get(name.base);
  const attachment: Attachment = { channel: name, modes, filter };
  conn.attached.set(name.full, attachment);
  channel.subscribe(conn, name.full, modes, filter);

  let replay: StoredPublish[] = [];
  let resumed = false;
  let backlog = false;
  if (typeof frame.channelSerial === "string" && frame.channelSerial) {
    // RTL4c1 / RTL15b: the client's channelSerial asks for continuity.
    const missed = channel.since(frame.channelSerial);
    if (missed) {
      replay = missed;
      resumed = previous !== undefined && !conn.presenceDropped.has(name.full);
    }
  } else if (params.rewind !== undefined) {
    // Ably docs "Rewind": only a fresh attach rewinds; the replayed
    // messages are a backlog, flagged HAS_BACKLOG (TR3).
    replay = channel.rewind(params.rewind, conn.host.now());
    backlog = replay.length > 0;
  }
  const members = (modes & Flag.PRESENCE_SUBSCRIBE) !== 0
    ? channel.presence.snapshot()
    : [];
  let flags = modes;
  if (members.length > 0) flags |= Flag.HAS_PRESENCE;
  if (resumed) flags |= Flag.RESUMED;
  if (backlog) flags |= Flag.HAS_BACKLOG;
  const attached: Record<string, unknown> = {
    action: Action.ATTACHED,
    channel: name.full,
    flags,
    channelSerial: channel.channelSerial,
  };
  // RTL4k1: the params in force are echoed back.
  if (Object.keys(params).length > 0) attached.params = params;
  conn.presenceDropped.delete(name.full);
  conn.send(attached);
  // RTP1 / RTP18: with HAS_PRESENCE the client expects a SYNC; without it,
  // it clears its member set.
  if (members.length > 0) sendSync(conn, name.full, members);
  if ((modes & Flag.SUBSCRIBE) !== 0) {
    for (const p of replay) {
      if (!conn.echo && p.connectionId === conn.id) continue;
      const text = channel.frameFor(p, name.full, filter);
      if (text !== undefined) conn.sendText(text);
    }
  }
}

/**
 * RTP19: a client may ask for a SYNC of an attached channel (ably-js
 * `RealtimeChannel.sync`); the answer is the current members, one empty
 * page when there are none, so the client can let go of any member it
 * holds that the server does not (RTP19: they leave locally).
 */
export function syncOnRequest(
  conn: ConnectionContext,
  frame: InboundFrame,
): void {
  const name = nameOrRefuse(conn, frame);
  if (!name) return;
  const attachment = conn.attached.get(name.full);
  if (!attachment) {
    return sendChannelError(
      conn,
      name.full,
      Errors.channelState("Unable to sync: channel is not attached"),
    );
  }
  const members = (attachment.modes & Flag.PRESENCE_SUBSCRIBE) !== 0
    ? conn.host.channels.find(name.base)?.presence.snapshot() ?? []
    : [];
  sendSync(conn, name.full, members);
}

function sendSync(
  conn: ConnectionContext,
  channelName: string,
  members: PresenceMember[],
): void {
  const syncId = randomId(6).replace(/[^A-Za-z0-9]/g, "x");
  // At least one page: an empty set is still a complete SYNC.
  for (let i = 0; i === 0 || i < members.length; i += SYNC_PAGE_SIZE) {
    const last = i + SYNC_PAGE_SIZE >= members.length;
    conn.send({
      action: Action.SYNC,
      channel: channelName,
      // RTP18a: `<syncId>:<cursor>`; an empty cursor ends the sync.
      channelSerial: `${syncId}:${last ? "" : String(i + SYNC_PAGE_SIZE)}`,
      presence: members.slice(i, i + SYNC_PAGE_SIZE),
    });
  }
}

/** RTL5: DETACH → DETACHED; the connection's presence there leaves. */
export function detach(conn: ConnectionContext, frame: InboundFrame): void {
  const name = nameOrRefuse(conn, frame);
  if (!name) return;
  const attachment = conn.attached.get(name.full);
  if (attachment) forget(conn, attachment);
  conn.send({ action: Action.DETACHED, channel: name.full });
}

/** The frame's channel name, or undefined after a channel ERROR (40010). */
function nameOrRefuse(
  conn: ConnectionContext,
  frame: InboundFrame,
): ChannelName | undefined {
  try {
    return parseChannelName(frame.channel);
  } catch (err) {
    sendChannelError(conn, frame.channel, asAblyError(err));
    return undefined;
  }
}

/** Forgets one attached channel after its rights are gone (RTN22, RTL4e). */
export function failChannel(
  conn: ConnectionContext,
  attachment: Attachment,
  error: AblyError,
): void {
  forget(conn, attachment);
  sendChannelError(conn, attachment.channel.full, error);
}

/**
 * Re-checks every attached channel against the connection's grant after it
 * changed: an in-band re-auth (RTN22) or a resume with another token
 * (RTN15c6 keeps the channels). Channels without any right left are failed
 * (40160); modes the grant no longer allows are dropped (RTL4m).
 */
export function narrowChannels(conn: ConnectionContext): void {
  for (const attachment of [...conn.attached.values()]) {
    const { base, full } = attachment.channel;
    const ops = operationsFor(conn.grant.capability, base);
    const allowed = modesFor(ops);
    if (ops.size === 0) {
      failChannel(
        conn,
        attachment,
        Errors.notPermitted("Channel access revoked by new capability"),
      );
    } else if ((attachment.modes & allowed) !== attachment.modes) {
      attachment.modes &= allowed;
      conn.host.channels.find(base)?.subscribe(
        conn,
        full,
        attachment.modes,
        attachment.filter,
      );
    }
  }
}

/** Unsubscribes an attachment; the connection's members there leave. */
export function forget(conn: ConnectionContext, attachment: Attachment): void {
  const { full, base } = attachment.channel;
  conn.attached.delete(full);
  const channel: Channel | undefined = conn.host.channels.find(base);
  if (channel) {
    channel.unsubscribe(conn, full);
    leavePresence(conn, channel);
  }
}
