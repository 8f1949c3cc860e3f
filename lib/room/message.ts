/**
 * A message of a room as the page shows it, on the server and in the
 * browser alike — the stored message of `lib/chat/messages.ts` without its
 * room id — and the first check of what may be sent (the connection,
 * `live.ts`, runs it before it posts; the server decides). How messages
 * arrive from Ably and become this shape is `inbound.ts`.
 *
 * Text is only ever rendered as text (Preact escapes it), so a message with
 * HTML in it shows the HTML source.
 */

/** Longest message, in characters (code points), after trimming. */
export const MAX_MESSAGE_LENGTH = 500;

/** One message in the room. */
export interface RoomMessage {
  /** The stored message id; unique and in posting order, so a message arriving twice is shown once. */
  id: string;
  /** The sender's user id (`provider:subject`). */
  clientId: string;
  /** The sender's display name, as the server knew it when they posted. */
  name: string;
  /** The message text, trimmed. */
  text: string;
  /** When the server stored it, ms since the epoch. */
  at: number;
}

/**
 * Why `text` cannot be sent, or `null` when it can: empty (or blank) and
 * over-long messages are refused before they reach the server.
 *
 * @example
 * ```ts
 * checkMessageText("  "); // "Write a message first."
 * checkMessageText("hi"); // null
 * ```
 */
export function checkMessageText(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed) return "Write a message first.";
  const length = [...trimmed].length;
  if (length > MAX_MESSAGE_LENGTH) {
    return `Too long: ${length} characters; the limit is ${MAX_MESSAGE_LENGTH}.`;
  }
  return null;
}
