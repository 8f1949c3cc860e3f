/**
 * Room messages as Ably carries them, and back: the server's history
 * (`history.ts`) and the island's live feed (`live.ts`) both read messages
 * through `toRoomMessage`, so one rule decides what is shown.
 *
 * On the wire a room message is named `message`, carries `{ text, name }`
 * as data and the sender's clientId (the session user's id, which Ably
 * takes from the token, so it cannot be forged). Anything of another shape
 * is dropped rather than shown half-parsed.
 */
import { checkMessageText, type RoomMessage } from "./message.ts";

/** The Ably message name of a room message. */
export const MESSAGE_NAME = "message";

/** Longest sender name kept; the sign-in keeps names at 200 at most. */
const MAX_NAME_LENGTH = 200;

/** What the island publishes as a room message's data. */
export interface RoomMessageData {
  text: string;
  name: string;
}

/** The parts of an Ably message `toRoomMessage` reads. */
export interface AblyMessageLike {
  id?: string;
  name?: string;
  clientId?: string;
  data?: unknown;
  timestamp?: number;
}

/**
 * The room message in an Ably message, or `null` when it is not one (another
 * name, no sender, data of another shape, text the composer would refuse).
 *
 * @example
 * ```ts
 * toRoomMessage({ id: "c:1:0", name: "message", clientId: "oidc:alice",
 *   data: { text: "hi", name: "Alice" }, timestamp: 1 });
 * // { id: "c:1:0", clientId: "oidc:alice", name: "Alice", text: "hi", at: 1 }
 * ```
 */
export function toRoomMessage(m: AblyMessageLike): RoomMessage | null {
  if (m.name !== MESSAGE_NAME || !m.id || !m.clientId) return null;
  const data = m.data as Partial<RoomMessageData> | null;
  if (typeof data !== "object" || data === null) return null;
  if (typeof data.text !== "string" || checkMessageText(data.text)) return null;
  const name = typeof data.name === "string" && data.name.trim()
    ? data.name.trim().slice(0, MAX_NAME_LENGTH)
    : m.clientId;
  return {
    id: m.id,
    clientId: m.clientId,
    name,
    text: data.text.trim(),
    at: typeof m.timestamp === "number" ? m.timestamp : Date.now(),
  };
}

/**
 * `list` with `more` added: each id once (history and live feed overlap, a
 * resumed connection may deliver again), oldest first, the last `keep` only.
 *
 * @example
 * ```ts
 * mergeMessages([a, b], [b, c]); // [a, b, c]
 * ```
 */
export function mergeMessages(
  list: readonly RoomMessage[],
  more: readonly RoomMessage[],
  keep = 100,
): RoomMessage[] {
  const ids = new Set(list.map((m) => m.id));
  const added = more.filter((m) => !ids.has(m.id) && ids.add(m.id));
  if (!added.length) return list as RoomMessage[];
  return [...list, ...added].sort((a, b) => a.at - b.at).slice(-keep);
}
