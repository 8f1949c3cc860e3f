/**
 * Room messages as they reach the island, and the rule that shows each once.
 *
 * Only the server publishes on a room's channel (page tokens grant no
 * `publish`, `lib/ably/capability.ts`): a room message is named `message`,
 * carries the sender's user id as clientId and, as data, the stored message
 * (`PublishedMessageData` in `lib/contract/wire.ts`): its KV id, text,
 * the sender's name as the server knows it, and when it was posted. The
 * island gets the same messages from the page, from its own `POST` and from
 * `GET /api/rooms/<id>/messages`: all keyed by the stored id, so a message
 * arriving twice shows once, and versioned, so an edit or a delete (a
 * tombstone: text `""`, `deletedAt` set) replaces what is shown only when it
 * is newer, whatever order the states arrive in. Anything of another shape
 * is dropped rather than shown half-parsed.
 */
import { MESSAGE_NAME, type RoomMessage } from "../contract/mod.ts";

/** The parts of an Ably message `toRoomMessage` reads. */
export interface AblyMessageLike {
  name?: string;
  clientId?: string;
  // deno-lint-ignore no-explicit-any -- what Ably delivers; checked below
  data?: any;
}

/**
 * The room message in an Ably message, or `null` when it is not one (another
 * name, no sender, data without a string id and text). The text, name and
 * time are the server's, checked when it stored them: only the server can
 * publish on a room's channel, so this checks shape, not content; Preact
 * renders whatever it is as text.
 *
 * @example
 * ```ts
 * toRoomMessage({ name: "message", clientId: "oidc:alice",
 *   data: { id: "01J…", text: "hi", name: "Alice", at: 1 } });
 * // { id: "01J…", clientId: "oidc:alice", name: "Alice", text: "hi", at: 1 }
 * ```
 */
export function toRoomMessage(m: AblyMessageLike): RoomMessage | null {
  const d = m.data;
  if (
    m.name !== MESSAGE_NAME || !m.clientId || typeof d?.id !== "string" ||
    typeof d.text !== "string"
  ) return null;
  const out: RoomMessage = {
    id: d.id,
    clientId: m.clientId,
    name: d.name || m.clientId,
    text: d.text,
    at: d.at,
  };
  // Only what is there: a message never changed stays as it was posted.
  for (const k of CHANGE_FIELDS) if (typeof d[k] === "number") out[k] = d[k];
  return out;
}

const CHANGE_FIELDS = ["version", "editedAt", "deletedAt"] as const;

/**
 * `list` with `more` upserted: each stored id once, in posting order (the
 * ids sort as they were made), each at the highest version seen (absent is
 * 0), so a late older state never undoes an edit or a delete. Nothing is
 * dropped: a page holds what its visitor has seen and paged back to.
 *
 * @example
 * ```ts
 * import type { RoomMessage } from "../contract/mod.ts";
 * declare const a: RoomMessage, b: RoomMessage, c: RoomMessage;
 * mergeMessages([a, b], [b, c]); // [a, b, c]
 * ```
 */
export function mergeMessages(
  list: readonly RoomMessage[],
  more: readonly RoomMessage[],
): RoomMessage[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  let changed = false;
  for (const m of more) {
    const shown = byId.get(m.id);
    if (!shown || (m.version ?? 0) > (shown.version ?? 0)) {
      byId.set(m.id, m);
      changed = true;
    }
  }
  if (!changed) return list as RoomMessage[];
  // Ids are unique here: no two compare equal.
  return [...byId.values()].sort((a, b) => a.id < b.id ? -1 : 1);
}
