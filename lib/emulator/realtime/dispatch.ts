/**
 * Inbound frames of one connection: the frame-size check, parsing (JSON
 * text, or msgpack binary on a msgpack socket, core/wire_format.ts), the
 * count of malformed frames in a row, and routing by action to the job that
 * handles it (spec TR2 actions; RTN13 ping, RTN12 CLOSE, RTL4/RTL5
 * ATTACH/DETACH, RTL6 MESSAGE, RTP8 PRESENCE, RTP19 SYNC, RTN22 AUTH).
 * Nothing thrown escapes: a failure becomes an ERROR frame. The counterpart is ably-js
 * `Protocol.send` / `Transport.send`.
 */

import {
  AblyError,
  Action,
  asAblyError,
  decodeMsgpack,
  Errors,
  type InboundFrame,
  parseFrame,
  parseFrameValue,
} from "../core/mod.ts";
import { attach, detach, syncOnRequest } from "./channel_ops.ts";
import type { ConnectionContext } from "./context.ts";
import { applyPresence } from "./presence_ops.ts";
import { publish } from "./publish_ops.ts";

/** Inbound frames in a row that may fail before the socket is closed. */
const MAX_BAD_FRAMES = 16;
/** Longest ping id echoed back (RTN13). */
const MAX_PING_ID_LENGTH = 256;

/** Reads a connection's inbound frames; one per socket binding. */
export class Dispatcher {
  readonly #conn: ConnectionContext;
  #badFrames = 0;

  constructor(conn: ConnectionContext) {
    this.#conn = conn;
  }

  /** A fresh socket starts with a clean malformed-frame count. */
  reset(): void {
    this.#badFrames = 0;
  }

  /** A text frame is JSON; a binary one msgpack, on a msgpack socket. */
  #decode(data: unknown): InboundFrame {
    const conn = this.#conn;
    if (typeof data === "string") {
      checkFrameSize(conn, data.length);
      return parseFrame(data);
    }
    if (conn.format !== "msgpack" || !(data instanceof ArrayBuffer)) {
      throw Errors.badRequest(
        "Binary frames need format=msgpack on the connection URL",
      );
    }
    checkFrameSize(conn, data.byteLength);
    let value: unknown;
    try {
      value = decodeMsgpack(data);
    } catch {
      throw Errors.badRequest("Malformed frame: not msgpack");
    }
    return parseFrameValue(value);
  }

  /** Handles one WebSocket message; answers failures with ERROR. */
  onMessage(data: unknown): void {
    const conn = this.#conn;
    try {
      route(conn, this.#decode(data));
      this.#badFrames = 0;
    } catch (err) {
      this.#badFrames++;
      conn.send({ action: Action.ERROR, error: asAblyError(err).toWire() });
      if (this.#badFrames >= MAX_BAD_FRAMES) {
        conn.disconnectWith(Errors.protocolError("Too many malformed frames"));
      }
    }
  }
}

/** Oversized frames are refused before they are parsed. */
function checkFrameSize(conn: ConnectionContext, size: number): void {
  const maxFrameSize = conn.host.limits.maxFrameSize;
  if (size > maxFrameSize) {
    throw new AblyError(
      40009,
      400,
      `Frame exceeds maxFrameSize (${maxFrameSize} bytes)`,
    );
  }
}

function route(conn: ConnectionContext, frame: InboundFrame): void {
  switch (frame.action) {
    case Action.HEARTBEAT:
      // RTN13: a ping carries an id the answer must echo.
      if (
        typeof frame.id === "string" && frame.id.length <= MAX_PING_ID_LENGTH
      ) {
        conn.send({ action: Action.HEARTBEAT, id: frame.id });
      }
      return;
    case Action.CLOSE:
      // RTN12a: CLOSE → CLOSED, then the connection is gone.
      conn.send({ action: Action.CLOSED });
      conn.destroy();
      return;
    case Action.DISCONNECT:
      conn.dropSocket();
      return;
    case Action.ATTACH:
      return attach(conn, frame);
    case Action.DETACH:
      return detach(conn, frame);
    case Action.MESSAGE:
      return conn.acks.answer(
        conn,
        frame,
        (serial) => publish(conn, frame, serial),
      );
    case Action.PRESENCE:
      return conn.acks.answer(
        conn,
        frame,
        (serial) => applyPresence(conn, frame, serial),
      );
    case Action.AUTH:
      return conn.renewal.reauth(frame);
    case Action.SYNC:
      return syncOnRequest(conn, frame);
    default:
      throw Errors.protocolError(
        `Unexpected action ${frame.action} from a client`,
      );
  }
}
