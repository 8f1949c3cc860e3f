/**
 * The rule for free text a user gives the server — room names and message
 * text: trimmed, within a length counted in characters (code points), well
 * formed (no lone surrogates), and without control characters, so that
 * stored text can neither break a page's layout nor forge a log line.
 */
import { ChatError } from "./errors.ts";

// deno-lint-ignore no-control-regex -- control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

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
  const text = raw.trim();
  if (text.length === 0) {
    throw new ChatError("invalid_input", `${what} is empty.`);
  }
  if (!text.isWellFormed()) {
    throw new ChatError("invalid_input", `${what} is not well-formed text.`);
  }
  if (CONTROL.test(text)) {
    throw new ChatError(
      "invalid_input",
      `${what} contains control characters.`,
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
