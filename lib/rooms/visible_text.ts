/**
 * Which characters may appear in a room name or a message, so that what a
 * reader sees is what was written: `checkText` (`text.ts`) refuses text that
 * holds any character this module reports, with the reason it returns.
 *
 * The rule is to refuse, never to strip silently: a name or message that
 * reads differently from what it stores is refused whole (400 with the
 * reason), so nothing the sender did not see is ever changed behind them.
 * Refused, anywhere in the text (before it is trimmed):
 *
 * - control characters (general category Cc: C0, DEL, C1);
 * - bidirectional controls: embeddings and overrides U+202A–U+202E, isolates
 *   U+2066–U+2069, marks U+200E/U+200F and U+061C (UAX #9 §2) — they reorder
 *   what is shown, e.g. a name that displays as "txt.exe" but stores
 *   "exe.txt";
 * - zero-width and other invisible format characters (general category Cf:
 *   U+200B–U+200D, U+2060, U+FEFF, the soft hyphen, …) — they make two names
 *   that look the same differ;
 * - tag characters U+E0000–U+E007F — invisible copies of ASCII that can
 *   smuggle text past a reader;
 * - the line and paragraph separators U+2028/U+2029 (categories Zl, Zp).
 *
 * Three uses of these characters are what people type every day and render
 * visibly, so they stay allowed, in exactly these places:
 *
 * - U+200D (zero-width joiner) between two pictographs, as in 👨‍👩‍👧 or
 *   🏳️‍🌈 (UTS #51 §1.4.9, emoji ZWJ sequences);
 * - U+200C/U+200D after a letter or mark of Arabic, Syriac or an Indic
 *   script and before another letter or mark, where they choose a glyph
 *   form (Persian "می‌خواهم"; RFC 5892 Appendix A.1/A.2 allows them in such
 *   places in domain names too);
 * - tag letters and digits closed by U+E007F after U+1F3F4, the subdivision
 *   flags such as 🏴󠁧󠁢󠁥󠁮󠁧󠁿 (UTS #51 §1.4.5, emoji tag sequences), at most 6.
 *
 * A room name must also show something: at least one letter, digit,
 * punctuation mark or symbol that is not itself blank (the Hangul fillers
 * and U+2800 look like letters and show nothing).
 */

/** One refused character and why, for the reason `checkText` gives. */
export interface HiddenCharacter {
  /** `U+202E` and so on. */
  codePoint: string;
  /** What kind of character it is, to name in the reason. */
  kind: string;
}

const PICTOGRAPH = String
  .raw`\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?`;
const JOINING_SCRIPTS = [
  "Arabic",
  "Syriac",
  "Devanagari",
  "Bengali",
  "Gurmukhi",
  "Gujarati",
  "Oriya",
  "Tamil",
  "Telugu",
  "Kannada",
  "Malayalam",
  "Sinhala",
].map((script) => String.raw`\p{Script=${script}}`).join("");
/** The allowed uses above, taken out before the text is searched. */
const ALLOWED = new RegExp(
  [
    String.raw`(?<=${PICTOGRAPH})\u200D(?=\p{Extended_Pictographic})`,
    String.raw`(?<=[${JOINING_SCRIPTS}])[\u200C\u200D](?=[\p{L}\p{M}])`,
    String
      .raw`(?<=\u{1F3F4})[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,6}\u{E007F}`,
  ].join("|"),
  "gu",
);
const REFUSED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u{E0000}-\u{E007F}]/u;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const TAG = /[\u{E0000}-\u{E007F}]/u;
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
const CONTROL = /\p{Cc}/u;
const BLANK = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * The first character of `text` a reader would not see for what it is, or
 * `null` when there is none.
 *
 * @example
 * ```ts
 * findHiddenCharacter("abc\u202Etxt"); // { codePoint: "U+202E", kind: "a text direction control" }
 * findHiddenCharacter("👨‍👩‍👧"); // null
 * ```
 */
export function findHiddenCharacter(text: string): HiddenCharacter | null {
  const found = REFUSED.exec(text.replace(ALLOWED, ""));
  if (found === null) return null;
  const char = found[0];
  const codePoint = `U+${
    char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")
  }`;
  const kind = CONTROL.test(char)
    ? "a control character"
    : BIDI.test(char)
    ? "a text direction control"
    : TAG.test(char)
    ? "an invisible tag character"
    : SEPARATOR.test(char)
    ? "a line or paragraph separator"
    : "an invisible formatting character";
  return { codePoint, kind };
}

/**
 * Whether `text` shows at least one character: a letter, digit,
 * punctuation mark or symbol other than the blank ones.
 *
 * @example
 * ```ts
 * hasVisibleCharacter("\u3164"); // false
 * hasVisibleCharacter("· "); // true
 * ```
 */
export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE.test(text.replace(BLANK, ""));
}
