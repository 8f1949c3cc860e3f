/**
 * The rule for free text a user gives the server — room names and message
 * text: trimmed, within a length counted in characters (code points), well
 * formed (no lone surrogates), showing at least one visible character, and
 * refused whole (never silently changed) when it holds a character that would
 * not show as written — control characters, bidi controls, zero-width, tag
 * characters, line/paragraph separators (the list and its few allowed
 * emoji and script uses are `visible_text.ts`) — so that stored text can
 * neither break a page's layout, forge a log line, nor read differently from
 * what it stores.
 */
import { ChatError } from "./errors.ts";
import { findHiddenCharacter, hasVisibleCharacter } from "./visible_text.ts";

/**
 * `raw` trimmed, when it obeys the rule.
 *
 * @throws {ChatError} `invalid_input`, the reason naming `what` and the rule broken.
 * @example
 * ```ts
 * checkText("  hi ", "Message", 500); // "hi"
 * ```
 */
export function checkText(raw: unknown, what: string, max: number): string {
  if (typeof raw !== "string") {
    throw new ChatError("invalid_input", `${what} must be text.`);
  }
  // trim() also drops U+FEFF, U+2028/2029 and line breaks at the ends,
  // where they hide nothing: the rule below applies to what is stored.
  const text = raw.trim();
  if (text.length === 0) {
    throw new ChatError("invalid_input", `${what} is empty.`);
  }
  if (!text.isWellFormed()) {
    throw new ChatError("invalid_input", `${what} is not well-formed text.`);
  }
  const hidden = findHiddenCharacter(text);
  if (hidden !== null) {
    throw new ChatError(
      "invalid_input",
      `${what} contains ${hidden.kind} (${hidden.codePoint}), which would not show as written; remove it.`,
    );
  }
  if (!hasVisibleCharacter(text)) {
    throw new ChatError(
      "invalid_input",
      `${what} shows nothing: it needs at least one visible character.`,
    );
  }
  const length = [...text].length;
  if (length > max) {
    throw new ChatError(
      "invalid_input",
      `${what} is too long: ${length} characters; the limit is ${max}.`,
    );
  }
  return text;
}
