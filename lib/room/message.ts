/**
 * A message of the live room as the page shows it, on the server and in the
 * browser alike, and the rule for what may be sent (checked by the
 * connection, `live.ts`, before it publishes). How messages arrive from Ably
 * and become this shape is `inbound.ts`.
 *
 * Text is only ever rendered as text (Preact escapes it), so a message with
 * HTML in it shows the HTML source.
 */

/** Longest message, in characters (code points), after trimming. */
export const MAX_MESSAGE_LENGTH = 500;

/** One message in the room. */
export interface RoomMessage {
  /** Ably's message id; unique, so a message arriving twice is shown once. */
  id: string;
  /** The sender's user id (`provider:subject`), from the token. */
  clientId: string;
  /** The sender's display name, as their island sent it. */
  name: string;
  /** The message text, trimmed. */
  text: string;
  /** When Ably accepted it, ms since the epoch. */
  at: number;
}

/**
 * Why `text` cannot be sent, or `null` when it can: empty (or blank) and
 * over-long messages are refused before they reach Ably.
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
