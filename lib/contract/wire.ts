/**
 * A message of a room as the page shows it, on the server and in the
 * browser alike: the stored message of `lib/rooms/messages.ts` without its
 * room id. What may be sent is the server's rule (`lib/rooms/text.ts`); the
 * island shows the reason the server gives. How messages arrive from Ably
 * and become this shape is `inbound.ts`.
 *
 * Text is only ever rendered as text (Preact escapes it), so a message with
 * HTML in it shows the HTML source.
 */

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
