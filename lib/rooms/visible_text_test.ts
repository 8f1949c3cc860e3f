/**
 * The text rule of `visible_text.ts` through `checkText`: every refused
 * class, named in the reason with its code point, and the emoji and script
 * uses of joiners and tags that stay allowed.
 */
import assert from "node:assert/strict";
import { ChatError } from "./errors.ts";
import { checkText } from "./text.ts";
import { findHiddenCharacter, hasVisibleCharacter } from "./visible_text.ts";

/** One example of each refused class, with the words its reason uses. */
const REFUSED_CHARACTERS: readonly (readonly [string, RegExp])[] = [
  ...["\u202A", "\u202B", "\u202C", "\u202D", "\u202E"].map((c) =>
    [c, /a text direction control/] as const
  ),
  ...["\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C"]
    .map((c) => [c, /a text direction control/] as const),
  ...["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD"].map((c) =>
    [c, /an invisible formatting character/] as const
  ),
  ...["\u{E0001}", "\u{E0041}", "\u{E007F}"].map((c) =>
    [c, /an invisible tag character/] as const
  ),
  ...["\u2028", "\u2029"].map((c) =>
    [c, /a line or paragraph separator/] as const
  ),
  ...["\u0000", "\u0007", "\n", "\u001B", "\u007F", "\u0085", "\u009B"].map((
    c,
  ) => [c, /a control character/] as const),
];

function refusal(text: string): string {
  try {
    checkText(text, "Message", 500);
  } catch (error) {
    assert.ok(error instanceof ChatError);
    assert.equal(error.code, "invalid_input");
    return error.reason;
  }
  assert.fail(`accepted ${JSON.stringify(text)}`);
}

Deno.test("checkText refuses each hidden character class inside text, naming it and its code point", () => {
  for (const [char, kind] of REFUSED_CHARACTERS) {
    const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(
      4,
      "0",
    );
    const reason = refusal(`abc${char}def`);
    assert.match(reason, kind, hex);
    assert.ok(reason.includes(`(U+${hex})`), reason);
    assert.ok(!reason.includes("abc"), "the reason never echoes the input");
  }
});

Deno.test("checkText keeps emoji ZWJ and tag sequences and script joiners, but not joiners elsewhere", () => {
  for (
    const text of [
      "family 👨‍👩‍👧 here",
      "🏳️‍🌈",
      "👩🏽‍💻 at work",
      "🏴󠁧󠁢󠁥󠁮󠁧󠁿 England",
      "می‌خواهم",
      "क्‍ष",
      "Grüße, 東京 ☕",
    ]
  ) {
    assert.equal(checkText(text, "Message", 500), text);
  }
  for (
    const text of [
      "a\u200Db",
      "👨\u200D",
      "\u200D👨",
      "a\u200Cb",
      "🏴\u{E0067}\u{E0062}", // a tag run never closed
      "🏴\u{E0041}\u{E007F}", // capital tags are not a flag's
      "x\u{E0067}\u{E0062}\u{E007F}", // not after the black flag
      "🏴\u{E0061}\u{E0061}\u{E0061}\u{E0061}\u{E0061}\u{E0061}\u{E0061}\u{E007F}",
    ]
  ) {
    assert.notEqual(findHiddenCharacter(text), null, JSON.stringify(text));
  }
});

Deno.test("checkText wants a visible character: three ZWSPs, fillers and blanks are refused", () => {
  assert.match(refusal("\u200B\u200B\u200B"), /invisible formatting/);
  for (const blank of ["\u3164", "\u2800\u2800", "\u115F\u1160", "\u0301"]) {
    assert.match(refusal(blank), /shows nothing/, JSON.stringify(blank));
  }
  assert.equal(hasVisibleCharacter("\u3164a"), true);
  assert.equal(hasVisibleCharacter("·"), true);
  // Line breaks and a byte order mark at the ends are trimmed like spaces.
  assert.equal(checkText("\uFEFF hi\n\u2028", "Message", 500), "hi");
});
