/**
 * The two encodings Ably speaks (spec RSC8 / RTN2a `format`): JSON and
 * MessagePack. ably-js uses msgpack by default under Node and Deno
 * (`useBinaryProtocol`), JSON in browsers. The emulator stores and fans out
 * everything in its JSON form — binary payloads as base64 with `base64`
 * appended to their encoding, exactly as a JSON client sends them — and
 * converts at the edge: msgpack in (decode, then binary → base64) and
 * msgpack out (encode the JSON form). A msgpack client decodes the `base64`
 * step itself (ably-js `BaseMessage.decodeData`), so both kinds of client
 * see the same payloads. The counterpart is ably-js
 * `Utils.encodeBody` / `decodeBody` over `@ably/msgpack-js`, the codec used
 * here too.
 */

import * as msgpack from "@ably/msgpack-js";
import { Buffer } from "node:buffer";

/** Wire encodings a client may ask for. */
export type WireFormat = "json" | "msgpack";

/** Content type of a msgpack body (RSC8). */
export const MSGPACK_CONTENT_TYPE = "application/x-msgpack";

/** Decodes a msgpack body or frame; throws on malformed input. */
export function decodeMsgpack(bytes: Uint8Array | ArrayBuffer): unknown {
  const buffer = bytes instanceof ArrayBuffer
    ? Buffer.from(bytes)
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return msgpack.decode(buffer);
}

/** Encodes a value (in its JSON form) as msgpack. */
export function encodeMsgpack(value: unknown): Uint8Array<ArrayBuffer> {
  // A Node Buffer over its own ArrayBuffer.
  return msgpack.encode(value) as Uint8Array<ArrayBuffer>;
}

let lastText: string | undefined;
let lastBytes: Uint8Array<ArrayBuffer> | undefined;

/**
 * The msgpack form of a serialised JSON frame. Fan-out hands the same text
 * to every subscriber in a row, so one remembered conversion makes it one
 * encode per publish rather than one per msgpack subscriber.
 */
export function msgpackOfText(text: string): Uint8Array<ArrayBuffer> {
  if (text !== lastText || lastBytes === undefined) {
    lastBytes = encodeMsgpack(JSON.parse(text));
    lastText = text;
  }
  return lastBytes;
}

/**
 * Binary data as a JSON client sends it: base64, `base64` last in the
 * encoding (RSL4d / TM3). Other data is returned unchanged.
 */
export function jsonFormOfData(
  data: unknown,
  encoding: string | undefined,
): { data: unknown; encoding: string | undefined } {
  if (!(data instanceof Uint8Array)) return { data, encoding };
  return {
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      .toString("base64"),
    encoding: encoding ? `${encoding}/base64` : "base64",
  };
}
