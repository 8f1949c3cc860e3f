/**
 * One realtime connection: the server side of ably-js's ConnectionManager
 * and RealtimeChannel for a single connectionId (spec RTN for connections,
 * RTL for channels, RTP for presence). It outlives its WebSocket: after an
 * abrupt drop it waits `connectionStateTtl` for a resume (RTN15), and drops
 * its presence after `presenceLeaveDelay`. It handles every inbound frame —
 * HEARTBEAT, CLOSE, DISCONNECT, ATTACH, DETACH, MESSAGE, PRESENCE, AUTH —
 * and answers malformed ones with ERROR, never throwing out of a handler.
 * Accepting sockets and finding connections by key lives in hub.ts.
 */

import { operationsFor } from "../capability.ts";
import { randomId } from "../crypto.ts";
import { AblyError, asAblyError, Errors } from "../errors.ts";
import type { Grant } from "../tokens.ts";
import type {
  Channel,
  ChannelRegistry,
  StoredPublish,
  Subscriber,
} from "./channels.ts";
import type { PresenceMember } from "./presence.ts";
import {
  Action,
  ALL_MODES,
  Flag,
  type InboundFrame,
  messagesSize,
  parseFrame,
  readChannelName,
  readMessages,
  readMsgSerial,
  readPresence,
  type WirePresence,
} from "./protocol.ts";
import { TokenLifetime } from "./token_lifetime.ts";

/** Limits and timings a connection enforces; see EmulatorOptions. */
export interface ConnectionLimits {
  maxMessageSize: number;
  maxFrameSize: number;
  maxChannelsPerConnection: number;
  connectionStateTtl: number;
  /** How long a client may take to answer AUTH at token expiry, ms. */
  renewalGraceMs: number;
  maxIdleInterval: number;
  presenceLeaveDelay: number;
  /** Server id in connectionDetails. */
  serverId: string;
}

/** What a connection needs from the hub. */
export interface ConnectionHost {
  readonly channels: ChannelRegistry;
  readonly limits: ConnectionLimits;
  /** Resolves a token presented in an AUTH frame (RTN22). */
  grantForToken(token: string): Grant;
  /** Called once the connection is gone for good. */
  forget(connection: Connection): void;
  now(): number;
}

/** Inbound frames in a row that may fail before the socket is closed. */
const MAX_BAD_FRAMES = 16;
/** Outbound bytes queued on a socket before it counts as stalled. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Recent ACK/NACK frames kept to answer a resent msgSerial alike. */
const ACK_MEMORY = 128;

/** One realtime connection (RTN8 connectionId, RTN9 connectionKey). */
export class Connection implements Subscriber {
  readonly id: string;
  readonly key: string;
  /** The identity (RSA7); undefined for an anonymous connection. */
  readonly clientId: string | undefined;
  /** `echo=false` suppresses self-delivery (RTN2b). */
  readonly echo: boolean;
  grant: Grant;

  readonly #host: ConnectionHost;
  readonly #attached = new Map<string, number>();
  readonly #acks = new Map<number, string>();
  #socket: WebSocket | null = null;
  #lastMsgSerial = -1;
  #badFrames = 0;
  #closed = false;
  /** Channels whose presence left after a drop: no RESUMED on re-attach. */
  readonly #presenceDropped = new Set<string>();
  readonly #lifetime: TokenLifetime;
  #leaveTimer: Timer | undefined;
  #ttlTimer: Timer | undefined;

  constructor(
    host: ConnectionHost,
    grant: Grant,
    clientId: string | undefined,
    echo: boolean,
  ) {
    this.#host = host;
    this.#lifetime = new TokenLifetime(host.limits.renewalGraceMs);
    // RTN8b: connection ids are unique; no ':' since ids are split on it.
    this.id = randomId(9);
    this.key = `${randomId(6)}!${randomId(18)}-${this.id}`;
    this.grant = grant;
    this.clientId = clientId;
    this.echo = echo;
  }

  /** Whether a WebSocket currently carries the connection. */
  get live(): boolean {
    return this.#socket !== null;
  }

  /** Whether the connection has ended for good. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Binds a (new) WebSocket and sends CONNECTED (RTN4, RTN21). A resume
   * (RTN15c6) keeps id, channels and msgSerial; `error` carries 80008 when a
   * resume was asked for but could not be honoured (RTN15c7).
   */
  bind(socket: WebSocket, grant: Grant, error?: AblyError): void {
    this.#clearTimer("leave");
    this.#clearTimer("ttl");
    if (this.#socket && this.#socket !== socket) this.#dropSocket(this.#socket);
    this.#socket = socket;
    this.grant = grant;
    this.#badFrames = 0;
    socket.onmessage = (ev) => this.#onMessage(ev.data);
    socket.onclose = () => this.#onSocketGone(socket);
    socket.onerror = () => this.#onSocketGone(socket);
    this.#sendConnected(error);
    // A resume may bring a narrower token than the one the channels were
    // attached with (RTN15c6 keeps them): apply it as AUTH does (RTN22).
    this.#narrowChannels(grant);
    this.#scheduleAuth();
  }

  /**
   * Sends DISCONNECTED with `err` and drops the socket; state is kept for a
   * resume (RTN15). Token errors (4014x) make ably-js renew first (RTN15h).
   */
  disconnectWith(err: AblyError): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#send({ action: Action.DISCONNECTED, error: err.toWire() });
    this.#dropSocket(socket);
    this.#onSocketGone(socket);
  }

  /** Asks the client to re-authenticate in place (RTN22: server AUTH). */
  requestReauth(): void {
    this.#send({ action: Action.AUTH });
  }

  /** Sends a heartbeat (RTN23a): keeps the client's idle timer from firing. */
  heartbeat(): void {
    this.sendText(HEARTBEAT_TEXT);
  }

  /** Sends a pre-serialised frame if the socket is open. */
  sendText(text: string): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      // A client that stopped reading is dropped rather than buffered without
      // bound; its state waits for a resume like any other drop.
      this.#dropSocket(socket);
      this.#onSocketGone(socket);
      return;
    }
    try {
      socket.send(text);
    } catch {
      this.#onSocketGone(socket);
    }
  }

  /** Ends the connection: presence leaves, channels forget it (RTN12). */
  destroy(closeCode = 1000): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lifetime.clear();
    for (const timer of ["leave", "ttl"] as const) this.#clearTimer(timer);
    this.#leavePresenceEverywhere();
    for (const name of this.#attached.keys()) {
      this.#host.channels.find(name)?.subscribers.delete(this);
    }
    this.#attached.clear();
    const socket = this.#socket;
    this.#socket = null;
    if (socket) closeQuietly(socket, closeCode);
    this.#host.forget(this);
  }

  #send(frame: Record<string, unknown>): void {
    this.sendText(JSON.stringify(frame));
  }

  #sendConnected(error?: AblyError): void {
    const limits = this.#host.limits;
    const frame: Record<string, unknown> = {
      action: Action.CONNECTED,
      connectionId: this.id,
      connectionKey: this.key,
      // RTN21 / CD2: without connectionDetails the client stays connecting.
      connectionDetails: {
        clientId: this.clientId,
        connectionKey: this.key,
        maxMessageSize: limits.maxMessageSize,
        maxFrameSize: limits.maxFrameSize,
        maxInboundRate: 1000,
        connectionStateTtl: limits.connectionStateTtl,
        maxIdleInterval: limits.maxIdleInterval,
        serverId: limits.serverId,
      },
    };
    if (error) frame.error = error.toWire();
    this.#send(frame);
  }

  #onSocketGone(socket: WebSocket): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#lifetime.clear();
    if (this.#closed) return;
    const limits = this.#host.limits;
    // RTN15: state is kept for a resume; presence leaves after a delay, as
    // Ably does 15 s after an abrupt drop.
    this.#leaveTimer = setTimeout(() => {
      this.#leaveTimer = undefined;
      for (const name of this.#attached.keys()) this.#presenceDropped.add(name);
      this.#leavePresenceEverywhere();
    }, Math.min(limits.presenceLeaveDelay, limits.connectionStateTtl));
    this.#ttlTimer = setTimeout(() => {
      this.#ttlTimer = undefined;
      this.destroy();
    }, limits.connectionStateTtl);
  }

  #dropSocket(socket: WebSocket): void {
    socket.onmessage = null;
    closeQuietly(socket, 1000);
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    try {
      if (typeof data !== "string") {
        throw Errors.badRequest(
          "Binary frames are not supported: use the JSON protocol (useBinaryProtocol: false)",
        );
      }
      if (data.length > this.#host.limits.maxFrameSize) {
        throw new AblyError(
          40009,
          400,
          `Frame exceeds maxFrameSize (${this.#host.limits.maxFrameSize} bytes)`,
        );
      }
      this.#handle(parseFrame(data));
      this.#badFrames = 0;
    } catch (err) {
      this.#badFrames++;
      this.#send({ action: Action.ERROR, error: asAblyError(err).toWire() });
      if (this.#badFrames >= MAX_BAD_FRAMES) {
        this.#send({
          action: Action.DISCONNECTED,
          error: Errors.protocolError("Too many malformed frames").toWire(),
        });
        const socket = this.#socket;
        if (socket) {
          this.#dropSocket(socket);
          this.#onSocketGone(socket);
        }
      }
    }
  }

  #handle(frame: InboundFrame): void {
    switch (frame.action) {
      case Action.HEARTBEAT:
        // RTN13: a ping carries an id the answer must echo.
        if (typeof frame.id === "string" && frame.id.length <= 256) {
          this.#send({ action: Action.HEARTBEAT, id: frame.id });
        }
        return;
      case Action.CLOSE:
        // RTN12a: CLOSE → CLOSED, then the connection is gone.
        this.#send({ action: Action.CLOSED });
        this.destroy();
        return;
      case Action.DISCONNECT: {
        const socket = this.#socket;
        if (socket) {
          this.#dropSocket(socket);
          this.#onSocketGone(socket);
        }
        return;
      }
      case Action.ATTACH:
        return this.#attach(frame);
      case Action.DETACH:
        return this.#detach(frame);
      case Action.MESSAGE:
        return this.#withAck(frame, (serial) => this.#publish(frame, serial));
      case Action.PRESENCE:
        return this.#withAck(frame, (serial) => this.#presence(frame, serial));
      case Action.AUTH:
        return this.#reauth(frame);
      default:
        throw Errors.protocolError(
          `Unexpected action ${frame.action} from a client`,
        );
    }
  }

  /** RTL4: ATTACH → ATTACHED with granted modes, SYNC, replay/rewind. */
  #attach(frame: InboundFrame): void {
    let name: string;
    try {
      name = readChannelName(frame);
    } catch (err) {
      return this.#channelError(frame.channel, err);
    }
    const ops = operationsFor(this.grant.capability, name);
    if (ops.size === 0 || (ops.size === 1 && ops.has("stats"))) {
      // RTL4e / Ably: attaching without any right on the channel fails it.
      return this.#channelError(
        name,
        Errors.notPermitted(`Channel denied access based on given capability`),
      );
    }
    const wasAttached = this.#attached.has(name);
    if (
      !wasAttached &&
      this.#attached.size >= this.#host.limits.maxChannelsPerConnection
    ) {
      return this.#channelError(
        name,
        Errors.tooManyChannels(this.#host.limits.maxChannelsPerConnection),
      );
    }
    const allowed = modesFor(ops);
    const requested = typeof frame.flags === "number"
      ? frame.flags & ALL_MODES
      : 0;
    const modes = requested !== 0 ? requested & allowed : allowed;
    const channel = this.#host.channels.get(name);
    this.#attached.set(name, modes);
    channel.subscribers.set(this, modes);

    const now = this.#host.now();
    let replay: StoredPublish[] = [];
    let resumed = false;
    const params = readParams(frame.params);
    if (typeof frame.channelSerial === "string" && frame.channelSerial) {
      // RTL4c1 / RTL15b: the client's channelSerial asks for continuity.
      const missed = channel.since(frame.channelSerial);
      if (missed) {
        replay = missed;
        resumed = wasAttached && !this.#presenceDropped.has(name);
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
    this.#presenceDropped.delete(name);
    this.#send(attached);
    // RTP1 / RTP18: with HAS_PRESENCE the client expects a SYNC; without it,
    // it clears its member set.
    if (members.length > 0) this.#sendSync(channel, members);
    if ((modes & Flag.SUBSCRIBE) !== 0) {
      for (const p of replay) {
        if (!this.echo && p.connectionId === this.id) continue;
        this.sendText(p.text);
      }
    }
  }

  #sendSync(channel: Channel, members: PresenceMember[]): void {
    const syncId = randomId(6).replace(/[^A-Za-z0-9]/g, "x");
    const pageSize = 100;
    for (let i = 0; i < members.length; i += pageSize) {
      const last = i + pageSize >= members.length;
      this.#send({
        action: Action.SYNC,
        channel: channel.name,
        // RTP18a: `<syncId>:<cursor>`; an empty cursor ends the sync.
        channelSerial: `${syncId}:${last ? "" : String(i + pageSize)}`,
        presence: members.slice(i, i + pageSize),
      });
    }
  }

  /** RTL5: DETACH → DETACHED; the connection's presence there leaves. */
  #detach(frame: InboundFrame): void {
    let name: string;
    try {
      name = readChannelName(frame);
    } catch (err) {
      return this.#channelError(frame.channel, err);
    }
    if (this.#attached.delete(name)) {
      const channel = this.#host.channels.find(name);
      if (channel) {
        channel.subscribers.delete(this);
        this.#leavePresence(channel);
      }
    }
    this.#send({ action: Action.DETACHED, channel: name });
  }

  /**
   * RTN7: every MESSAGE/PRESENCE with a msgSerial gets exactly one ACK or
   * NACK, in order. A msgSerial already seen (resent after a resume, RTN19a)
   * gets the same answer again and is not applied twice.
   */
  #withAck(frame: InboundFrame, apply: (serial: number) => unknown): void {
    const serial = readMsgSerial(frame);
    if (serial <= this.#lastMsgSerial) {
      const previous = this.#acks.get(serial);
      this.sendText(
        previous ??
          JSON.stringify({ action: Action.ACK, msgSerial: serial, count: 1 }),
      );
      return;
    }
    this.#lastMsgSerial = serial;
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
    this.#acks.set(serial, answer);
    if (this.#acks.size > ACK_MEMORY) {
      this.#acks.delete(this.#acks.keys().next().value as number);
    }
    this.sendText(answer);
  }

  /** RTL6: publish; capability (40160), size (40009), clientId (40012). */
  #publish(frame: InboundFrame, serial: number): { serials: string[] } {
    const name = readChannelName(frame);
    if (!operationsFor(this.grant.capability, name).has("publish")) {
      throw Errors.notPermitted(
        `Unable to publish to channel: permission denied`,
      );
    }
    const messages = readMessages(frame.messages);
    this.#checkSize(messages);
    for (const m of messages) this.#checkClientId(m);
    const stored = this.#host.channels.get(name).publish(
      messages.map((m) =>
        this.clientId && !m.clientId ? { ...m, clientId: this.clientId } : m
      ),
      { protocolId: `${this.id}:${serial}`, connectionId: this.id, from: this },
      this.#host.now(),
    );
    return { serials: stored.messages.map((m) => m.serial as string) };
  }

  /**
   * RTP8–RTP10: enter/update/leave. Needs the presence right (40160), an
   * attached channel (90001) and a clientId (91000). The broadcast — echo
   * included — goes out before the ACK so the client sees itself first.
   */
  #presence(frame: InboundFrame, serial: number): undefined {
    const name = readChannelName(frame);
    if (!operationsFor(this.grant.capability, name).has("presence")) {
      throw Errors.notPermitted(
        `Unable to enter presence channel: permission denied`,
      );
    }
    if (!this.#attached.has(name)) {
      throw Errors.channelState("Channel is not attached");
    }
    const list = readPresence(frame.presence);
    this.#checkSize(list);
    const now = this.#host.now();
    const events: PresenceMember[] = list.map((p, i) => {
      this.#checkClientId(p);
      const clientId = p.clientId ?? this.clientId;
      if (!clientId || clientId === "*") throw Errors.presenceNoClientId();
      return {
        ...p,
        clientId,
        connectionId: this.id,
        id: `${this.id}:${serial}:${i}`,
        timestamp: now,
      };
    });
    const channel = this.#host.channels.get(name);
    const changes: WirePresence[] = [];
    for (const event of events) {
      const change = channel.presence.apply(event);
      if (change) changes.push(change);
    }
    channel.broadcastPresence(changes, {
      id: `${this.id}:${serial}`,
      connectionId: this.id,
      timestamp: now,
    });
    return undefined;
  }

  #checkSize(list: Parameters<typeof messagesSize>[0]): void {
    const size = messagesSize(list);
    const max = this.#host.limits.maxMessageSize;
    if (size > max) throw Errors.messageTooLarge(size, max);
  }

  /** RSA7 / RTL6g: a message's clientId must be the connection's own. */
  #checkClientId(m: { clientId?: string }): void {
    if (m.clientId === undefined) return;
    if (m.clientId === "*") {
      throw Errors.invalidClientId("clientId '*' cannot be used in a message");
    }
    if (this.clientId !== undefined) {
      if (m.clientId !== this.clientId) {
        throw Errors.invalidClientId(
          "Message clientId does not match the connection's clientId",
        );
      }
    } else if (this.grant.clientId !== "*") {
      throw Errors.invalidClientId(
        "An anonymous connection cannot publish with a clientId",
      );
    }
  }

  /**
   * RTN22: the client answers our AUTH with a new token; the identity must
   * stay the same (40102). The reply is a new CONNECTED with the same
   * connectionId (RTN24); channels whose rights are gone are failed.
   */
  #reauth(frame: InboundFrame): void {
    const auth = frame.auth as Record<string, unknown> | undefined;
    const token = auth && typeof auth === "object"
      ? auth.accessToken
      : undefined;
    if (typeof token !== "string") {
      throw Errors.badRequest("AUTH needs auth.accessToken");
    }
    const grant = this.#host.grantForToken(token);
    const sameIdentity = grant.clientId === "*"
      ? true
      : grant.clientId === this.clientId;
    if (!sameIdentity) {
      this.#send({
        action: Action.ERROR,
        error: Errors.incompatibleCredentials(
          "New token's clientId does not match the connection's",
        ).toWire(),
      });
      this.destroy();
      return;
    }
    this.grant = grant;
    this.#sendConnected();
    this.#scheduleAuth();
    this.#narrowChannels(grant);
  }

  /** Channels whose rights `grant` no longer gives are failed or narrowed. */
  #narrowChannels(grant: Grant): void {
    for (const [name, modes] of this.#attached) {
      const ops = operationsFor(grant.capability, name);
      const allowed = modesFor(ops);
      if (ops.size === 0) {
        this.#attached.delete(name);
        const channel = this.#host.channels.find(name);
        channel?.subscribers.delete(this);
        if (channel) this.#leavePresence(channel);
        this.#channelError(
          name,
          Errors.notPermitted("Channel access revoked by new capability"),
        );
      } else if ((modes & allowed) !== modes) {
        this.#attached.set(name, modes & allowed);
        this.#host.channels.find(name)?.subscribers.set(this, modes & allowed);
      }
    }
  }

  /** RTN22 AUTH at expiry, RTN15h DISCONNECTED 40142 if not renewed. */
  #scheduleAuth(): void {
    if (!this.#socket) return;
    this.#lifetime.watch(this.grant, () => this.#host.now(), {
      expired: () => this.requestReauth(),
      graceOver: () => this.disconnectWith(Errors.tokenExpired()),
    });
  }

  #channelError(channel: unknown, err: unknown): void {
    const frame: Record<string, unknown> = {
      action: Action.ERROR,
      error: asAblyError(err).toWire(),
    };
    if (typeof channel === "string") frame.channel = channel;
    this.#send(frame);
  }

  #leavePresence(channel: Channel): void {
    const now = this.#host.now();
    const left = channel.presence.removeConnection(
      this.id,
      this.#lastMsgSerial + 1,
      now,
    );
    channel.broadcastPresence(left, {
      id: `${this.id}:${this.#lastMsgSerial + 1}`,
      connectionId: this.id,
      timestamp: now,
    });
  }

  #leavePresenceEverywhere(): void {
    for (const name of this.#attached.keys()) {
      const channel = this.#host.channels.find(name);
      if (channel) this.#leavePresence(channel);
    }
  }

  #clearTimer(which: "leave" | "ttl"): void {
    const field = { leave: this.#leaveTimer, ttl: this.#ttlTimer }[which];
    if (field !== undefined) clearTimeout(field);
    if (which === "leave") this.#leaveTimer = undefined;
    if (which === "ttl") this.#ttlTimer = undefined;
  }
}

type Timer = ReturnType<typeof setTimeout>;

const HEARTBEAT_TEXT = JSON.stringify({ action: Action.HEARTBEAT });

/** Channel modes from operations (Ably: subscribe → SUBSCRIBE and
 * PRESENCE_SUBSCRIBE, publish → PUBLISH, presence → PRESENCE). */
export function modesFor(ops: Set<string>): number {
  let modes = 0;
  if (ops.has("subscribe")) modes |= Flag.SUBSCRIBE | Flag.PRESENCE_SUBSCRIBE;
  if (ops.has("publish")) modes |= Flag.PUBLISH;
  if (ops.has("presence")) modes |= Flag.PRESENCE;
  return modes;
}

function readParams(raw: unknown): Record<string, string> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === "string" && k.length < 64 && v.length < 256) out[k] = v;
  }
  return out;
}

function closeQuietly(socket: WebSocket, code: number): void {
  try {
    if (
      socket.readyState === WebSocket.OPEN ||
      socket.readyState === WebSocket.CONNECTING
    ) socket.close(code);
  } catch {
    // Already closing: nothing left to release.
  }
}
