/**
 * One realtime connection's lifecycle: the server side of ably-js's
 * ConnectionManager for a single connectionId (spec RTN4 CONNECTED, RTN8/RTN9
 * id and key, RTN12 close, RTN15 resume, RTN23 heartbeats). It outlives its
 * WebSocket: after an abrupt drop it waits `connectionStateTtl` for a resume
 * and drops its presence after `presenceLeaveDelay`. The jobs of a live
 * connection sit in their own modules: dispatch.ts (inbound frames),
 * channel_ops.ts, publish_ops.ts, presence_ops.ts and renewal.ts; they see
 * the connection through ConnectionContext (context.ts). Accepting sockets
 * and finding connections by key lives in hub.ts.
 */

import {
  type AblyError,
  Action,
  encodeMsgpack,
  msgpackOfText,
  randomId,
  type Subscriber,
  type WireFormat,
} from "../core/mod.ts";
import type { Grant } from "../auth/mod.ts";
import type {
  Attachment,
  ConnectionContext,
  ConnectionHost,
} from "./context.ts";
import { Dispatcher } from "./dispatch.ts";
import { leavePresenceEverywhere } from "./presence_ops.ts";
import { AckLog } from "./publish_ops.ts";
import { Renewal } from "./renewal.ts";

export type { ConnectionHost, ConnectionLimits } from "./context.ts";

/** Outbound bytes queued on a socket before it counts as stalled. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Inbound messages per second a client may send (CD2 maxInboundRate). */
const MAX_INBOUND_RATE = 1000;
/** WebSocket close code of an orderly close. */
const NORMAL_CLOSURE = 1000;
/** Random characters in a connectionId (RTN8b). */
const CONNECTION_ID_LENGTH = 9;

const HEARTBEAT_TEXT = JSON.stringify({ action: Action.HEARTBEAT });

/** One realtime connection (RTN8 connectionId, RTN9 connectionKey). */
export class Connection implements Subscriber, ConnectionContext {
  readonly id: string;
  readonly key: string;
  readonly clientId: string | undefined;
  readonly echo: boolean;
  grant: Grant;
  /** The encoding of the current socket (RTN2a). */
  format: WireFormat = "json";
  readonly host: ConnectionHost;
  readonly attached = new Map<string, Attachment>();
  readonly presenceDropped = new Set<string>();
  readonly acks = new AckLog();
  readonly renewal: Renewal;

  readonly #dispatcher: Dispatcher = new Dispatcher(this);
  #socket: WebSocket | null = null;
  #closed = false;
  #leaveTimer: ReturnType<typeof setTimeout> | undefined;
  #ttlTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    host: ConnectionHost,
    grant: Grant,
    clientId: string | undefined,
    echo: boolean,
  ) {
    this.host = host;
    this.renewal = new Renewal(this, host.limits.tokenRenewalLeadMs);
    // RTN8b: connection ids are unique; no ':' since ids are split on it.
    this.id = randomId(CONNECTION_ID_LENGTH);
    this.key = host.connectionKeys.mint(this.id);
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
  bind(
    socket: WebSocket,
    grant: Grant,
    format: WireFormat,
    error?: AblyError,
  ): void {
    this.#clearDropTimers();
    if (this.#socket && this.#socket !== socket) {
      detachQuietly(this.#socket);
    }
    this.#socket = socket;
    // RTN2a: each socket speaks the format its URL asked for.
    this.format = format;
    socket.binaryType = "arraybuffer";
    this.grant = grant;
    this.#dispatcher.reset();
    socket.onmessage = (ev) => {
      if (!this.#closed) this.#dispatcher.onMessage(ev.data);
    };
    socket.onclose = () => this.#onSocketGone(socket);
    socket.onerror = () => this.#onSocketGone(socket);
    this.sendConnected(error);
    this.renewal.schedule();
  }

  /** Sends a heartbeat (RTN23a): keeps the client's idle timer from firing. */
  heartbeat(): void {
    this.sendText(HEARTBEAT_TEXT);
  }

  /** Sends a frame serialised to JSON text, in the socket's format. */
  sendText(text: string): void {
    this.#deliver(this.format === "msgpack" ? msgpackOfText(text) : text);
  }

  send(frame: Record<string, unknown>): void {
    this.#deliver(
      this.format === "msgpack" ? encodeMsgpack(frame) : JSON.stringify(frame),
    );
  }

  /** Writes to the socket if it is open and keeps up. */
  #deliver(payload: string | Uint8Array<ArrayBuffer>): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      // A client that stopped reading is dropped rather than buffered without
      // bound; its state waits for a resume like any other drop.
      detachQuietly(socket);
      this.#onSocketGone(socket);
      return;
    }
    try {
      socket.send(payload);
    } catch {
      this.#onSocketGone(socket);
    }
  }

  sendConnected(error?: AblyError): void {
    const limits = this.host.limits;
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
        maxInboundRate: MAX_INBOUND_RATE,
        connectionStateTtl: limits.connectionStateTtl,
        maxIdleInterval: limits.maxIdleInterval,
        serverId: limits.serverId,
      },
    };
    if (error) frame.error = error.toWire();
    this.send(frame);
  }

  disconnectWith(error: AblyError): void {
    if (!this.live) return;
    this.send({ action: Action.DISCONNECTED, error: error.toWire() });
    this.dropSocket();
  }

  dropSocket(): void {
    const socket = this.#socket;
    if (!socket) return;
    detachQuietly(socket);
    this.#onSocketGone(socket);
  }

  /** Ends the connection: presence leaves, channels forget it (RTN12). */
  destroy(closeCode = NORMAL_CLOSURE): void {
    if (this.#closed) return;
    this.#closed = true;
    this.renewal.clear();
    this.#clearDropTimers();
    leavePresenceEverywhere(this);
    for (const { channel } of this.attached.values()) {
      this.host.channels.find(channel.base)?.unsubscribe(this, channel.full);
    }
    this.attached.clear();
    const socket = this.#socket;
    this.#socket = null;
    if (socket) closeQuietly(socket, closeCode);
    this.host.forget(this);
  }

  #onSocketGone(socket: WebSocket): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.renewal.clear();
    if (this.#closed) return;
    const limits = this.host.limits;
    // RTN15: state is kept for a resume; presence leaves after a delay, as
    // Ably does 15 s after an abrupt drop.
    this.#leaveTimer = setTimeout(() => {
      this.#leaveTimer = undefined;
      for (const name of this.attached.keys()) this.presenceDropped.add(name);
      leavePresenceEverywhere(this);
    }, Math.min(limits.presenceLeaveDelay, limits.connectionStateTtl));
    this.#ttlTimer = setTimeout(() => {
      this.#ttlTimer = undefined;
      this.destroy();
    }, limits.connectionStateTtl);
  }

  #clearDropTimers(): void {
    if (this.#leaveTimer !== undefined) clearTimeout(this.#leaveTimer);
    if (this.#ttlTimer !== undefined) clearTimeout(this.#ttlTimer);
    this.#leaveTimer = undefined;
    this.#ttlTimer = undefined;
  }
}

/** Stops reading a socket we are done with and closes it. */
function detachQuietly(socket: WebSocket): void {
  socket.onmessage = null;
  closeQuietly(socket, NORMAL_CLOSURE);
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
