/**
 * Room messages as they reach the island, and the rule that shows each once.
 *
 * Only the server publishes on a room's channel (page tokens grant no
 * `publish`, `lib/ably/capability.ts`): a room message is named `message`,
 * carries the sender's user id as clientId and, as data, the stored message
 * (`PublishedMessageData` in `lib/ably/publish_message.ts`): its KV id, text,
 * the sender's name as the server knows it, and when it was posted. The
 * island gets the same messages from the page, from its own `POST` and from
 * `GET /api/rooms/<id>/messages`: all keyed by the stored id, so a message
 * arriving twice shows once. Anything of another shape is dropped rather
 * than shown half-parsed.
 */
import { checkMessageText, type RoomMessage } from "./message.ts";

/** The Ably message name of a room message. */
export const MESSAGE_NAME = "message";

/** Longest sender name kept; the sign-in keeps names at 200 at most. */
const MAX_NAME_LENGTH = 200;

/** A stored message id: 26 of Crockford base32 (`lib/chat/ids.ts`). */
const STORED_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The parts of an Ably message `toRoomMessage` reads. */
export interface AblyMessageLike {
  name?: string;
  clientId?: string;
  data?: unknown;
}

/**
 * The room message in an Ably message, or `null` when it is not one (another
 * name, no sender, data of another shape, text the server would refuse).
 *
 * @example
 * ```ts
 * toRoomMessage({ name: "message", clientId: "oidc:alice",
 *   data: { id: "01J…", text: "hi", name: "Alice", at: 1 } });
 * // { id: "01J…", clientId: "oidc:alice", name: "Alice", text: "hi", at: 1 }
 * ```
 */
export function toRoomMessage(m: AblyMessageLike): RoomMessage | null {
  if (m.name !== MESSAGE_NAME || !m.clientId) return null;
  const data = m.data as Record<string, unknown> | null;
  if (typeof data !== "object" || data === null) return null;
  const { id, text, name, at } = data;
  if (typeof id !== "string" || !STORED_ID.test(id)) return null;
  if (typeof text !== "string" || checkMessageText(text)) return null;
  return {
    id,
    clientId: m.clientId,
    name: typeof name === "string" && name.trim()
      ? name.trim().slice(0, MAX_NAME_LENGTH)
      : m.clientId,
    text: text.trim(),
    at: typeof at === "number" ? at : Date.now(),
  };
}

/**
 * `list` with `more` added: each stored id once, in posting order (the ids
 * sort as they were made), the last `keep` only.
 *
 * @example
 * ```ts
 * mergeMessages([a, b], [b, c]); // [a, b, c]
 * ```
 */
export function mergeMessages(
  list: readonly RoomMessage[],
  more: readonly RoomMessage[],
  keep = 1_000,
): RoomMessage[] {
  const ids = new Set(list.map((m) => m.id));
  const added = more.filter((m) => !ids.has(m.id) && ids.add(m.id));
  if (!added.length) return list as RoomMessage[];
  return [...list, ...added].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  ).slice(-keep);
}
