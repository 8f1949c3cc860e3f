/**
 * Ably realtime protocol v6 in JSON, the parts the emulator speaks: action
 * numbers and flag bits of a ProtocolMessage (spec TR2, TR3), the shapes of
 * messages and presence messages on the wire (TM2, TP3), and the checks that
 * turn an untrusted inbound frame into typed values (binary payloads of a
 * msgpack client take their JSON form here, wire_format.ts). The counterpart is
 * ably-js `src/common/lib/types/protocolmessage*.ts`, which encodes and
 * decodes the same fields.
 */

import { Errors } from "./errors.ts";
import { jsonFormOfData } from "./wire_format.ts";

/** ProtocolMessage actions (TR2). */
export const Action = {
  HEARTBEAT: 0,
  ACK: 1,
  NACK: 2,
  CONNECT: 3,
  CONNECTED: 4,
  DISCONNECT: 5,
  DISCONNECTED: 6,
  CLOSE: 7,
  CLOSED: 8,
  ERROR: 9,
  ATTACH: 10,
  ATTACHED: 11,
  DETACH: 12,
  DETACHED: 13,
  PRESENCE: 14,
  MESSAGE: 15,
  SYNC: 16,
  AUTH: 17,
} as const;

/** ProtocolMessage flags and channel modes (TR3). */
export const Flag = {
  HAS_PRESENCE: 1 << 0,
  HAS_BACKLOG: 1 << 1,
  RESUMED: 1 << 2,
  ATTACH_RESUME: 1 << 5,
  PRESENCE: 1 << 16,
  PUBLISH: 1 << 17,
  SUBSCRIBE: 1 << 18,
  PRESENCE_SUBSCRIBE: 1 << 19,
  ANNOTATION_PUBLISH: 1 << 21,
  ANNOTATION_SUBSCRIBE: 1 << 22,
  OBJECT_SUBSCRIBE: 1 << 24,
  OBJECT_PUBLISH: 1 << 25,
} as const;

/** Every channel-mode bit. */
export const ALL_MODES = Flag.PRESENCE | Flag.PUBLISH | Flag.SUBSCRIBE |
  Flag.PRESENCE_SUBSCRIBE | Flag.ANNOTATION_PUBLISH |
  Flag.ANNOTATION_SUBSCRIBE | Flag.OBJECT_SUBSCRIBE | Flag.OBJECT_PUBLISH;

/** Presence actions (TP2). */
export const PresenceAction = {
  ABSENT: 0,
  PRESENT: 1,
  ENTER: 2,
  LEAVE: 3,
  UPDATE: 4,
} as const;

/** A message as published and delivered (TM2). */
export interface WireMessage {
  id?: string;
  name?: string;
  data?: unknown;
  encoding?: string;
  clientId?: string;
  connectionId?: string;
  timestamp?: number;
  extras?: Record<string, unknown>;
  serial?: string;
  action?: number;
}

/** A presence message on the wire (TP3). */
export interface WirePresence {
  action: number;
  id?: string;
  clientId?: string;
  connectionId?: string;
  timestamp?: number;
  data?: unknown;
  encoding?: string;
  extras?: Record<string, unknown>;
}

/** An inbound frame after the generic checks: an object with an action. */
export interface InboundFrame {
  action: number;
  [field: string]: unknown;
}

/** Parses a JSON text frame (see parseFrameValue). */
export function parseFrame(text: string): InboundFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw Errors.badRequest("Malformed frame: not JSON");
  }
  return parseFrameValue(value);
}

/** Checks a decoded frame; throws 40000 for anything but an object with an
 * integer action. */
export function parseFrameValue(value: unknown): InboundFrame {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw Errors.badRequest("Malformed frame: expected a ProtocolMessage");
  }
  const action = (value as Record<string, unknown>).action;
  if (typeof action !== "number" || !Number.isInteger(action)) {
    throw Errors.badRequest("Malformed frame: action must be an integer");
  }
  return value as InboundFrame;
}

/** A msgSerial (RTN7b): a non-negative safe integer. */
export function readMsgSerial(frame: InboundFrame): number {
  const serial = frame.msgSerial;
  if (
    typeof serial !== "number" || !Number.isSafeInteger(serial) || serial < 0
  ) {
    throw Errors.badRequest("msgSerial must be a non-negative integer");
  }
  return serial;
}

/** Copies the fields of a message a client may set, checking each type. */
export function readMessages(list: unknown): WireMessage[] {
  if (!Array.isArray(list) || list.length === 0 || list.length > 1000) {
    throw Errors.badRequest("messages must be a non-empty array");
  }
  return list.map((raw) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw Errors.badRequest("Each message must be an object");
    }
    const m = raw as Record<string, unknown>;
    const out: WireMessage = {};
    const id = optionalString(m, "id");
    if (id !== undefined) out.id = id;
    const name = optionalString(m, "name");
    if (name !== undefined) out.name = name;
    const clientId = optionalString(m, "clientId");
    if (clientId !== undefined) out.clientId = clientId;
    setPayload(out, m);
    if (m.extras !== undefined && m.extras !== null) {
      if (typeof m.extras !== "object" || m.extras === null) {
        throw Errors.badRequest("extras must be an object");
      }
      out.extras = m.extras as Record<string, unknown>;
    }
    return out;
  });
}

/** Copies a client's presence messages: enter, update or leave (RTP8–10). */
export function readPresence(list: unknown): WirePresence[] {
  if (!Array.isArray(list) || list.length === 0 || list.length > 100) {
    throw Errors.badRequest("presence must be a non-empty array");
  }
  return list.map((raw) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw Errors.badRequest("Each presence message must be an object");
    }
    const p = raw as Record<string, unknown>;
    const action = p.action;
    if (
      action !== PresenceAction.ENTER && action !== PresenceAction.LEAVE &&
      action !== PresenceAction.UPDATE && action !== PresenceAction.PRESENT
    ) {
      throw Errors.badRequest("presence action must be enter, update or leave");
    }
    const out: WirePresence = { action };
    const clientId = optionalString(p, "clientId");
    if (clientId !== undefined) out.clientId = clientId;
    setPayload(out, p);
    if (p.extras !== undefined && p.extras !== null) {
      if (typeof p.extras !== "object" || p.extras === null) {
        throw Errors.badRequest("extras must be an object");
      }
      out.extras = p.extras as Record<string, unknown>;
    }
    return out;
  });
}

/**
 * Size of messages as Ably counts it against maxMessageSize (TO3l8): name,
 * data, clientId and extras, in bytes.
 */
export function messagesSize(
  list: ReadonlyArray<{
    name?: string;
    data?: unknown;
    encoding?: string;
    clientId?: string;
    extras?: unknown;
  }>,
): number {
  let size = 0;
  for (const m of list) {
    size += byteLength(m.name) + byteLength(m.clientId);
    if (typeof m.data === "string") {
      // Binary data travels as base64 (wire_format.ts); Ably counts its
      // bytes, not the characters of its text form.
      size += m.encoding?.endsWith("base64")
        ? Math.floor(m.data.length * 3 / 4)
        : byteLength(m.data);
    } else if (m.data !== undefined && m.data !== null) {
      size += byteLength(JSON.stringify(m.data));
    }
    if (m.extras !== undefined) size += byteLength(JSON.stringify(m.extras));
  }
  return size;
}

const encoder = new TextEncoder();

function byteLength(text: string | undefined): number {
  if (!text) return 0;
  // Most strings are ASCII: count them without encoding.
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return encoder.encode(text).length;
  }
  return text.length;
}

/** Copies data and encoding; binary data (msgpack) takes its JSON form. */
function setPayload(
  out: { data?: unknown; encoding?: string },
  from: Record<string, unknown>,
): void {
  const encoding = optionalString(from, "encoding");
  // TM2d / RSL1e: null data is no data; subscribers must not see `null`.
  if (from.data === undefined || from.data === null) {
    if (encoding !== undefined) out.encoding = encoding;
    return;
  }
  const payload = jsonFormOfData(from.data, encoding);
  out.data = payload.data;
  if (payload.encoding !== undefined) out.encoding = payload.encoding;
}

function optionalString(
  from: Record<string, unknown>,
  field: string,
): string | undefined {
  const value = from[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw Errors.badRequest(`${field} must be a string`);
  }
  return value;
}
