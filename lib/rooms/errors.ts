/**
 * Why a rooms or messages operation was refused, as a code the edge turns
 * into an HTTP status (`CHAT_ERROR_STATUS` in `lib/app/errors.ts`).
 *
 * `lib/rooms/` never picks a status: they throw a
 * `ChatError` whose `code` says what went wrong and whose `reason` is a fixed
 * sentence fit to show the visitor. Neither ever carries the raw input back
 * (a name or text from the request could forge a log line or leak data).
 */

/** Every way an operation on rooms, members or messages can be refused. */
export type ChatErrorCode =
  /** The input is malformed: an empty or too long name or text, a bad id or cursor. */
  | "invalid_input"
  /**
   * No such room, user or message — or one the caller may not see: a private
   * room answers the same to a stranger as an unknown one.
   */
  | "not_found"
  /** The caller sees the room but may not do this (e.g. a member who is not the owner). */
  | "forbidden"
  /**
   * The name given fits several people (a login claimed by two accounts):
   * refused rather than guessed.
   */
  | "ambiguous"
  /** A bound was reached (members of a room) or a concurrent change kept winning. */
  | "conflict";

/** An operation refused; the caller decides the status from `code`. */
export class ChatError extends Error {
  constructor(
    readonly code: ChatErrorCode,
    /** A fixed sentence saying why; safe to show and to log. */
    readonly reason: string,
  ) {
    super(reason);
    this.name = "ChatError";
  }
}
