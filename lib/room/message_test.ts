import assert from "node:assert/strict";
import { checkMessageText, MAX_MESSAGE_LENGTH } from "./message.ts";

Deno.test("checkMessageText refuses blank and over-long text, with a reason", () => {
  assert.equal(checkMessageText(""), "Write a message first.");
  assert.equal(checkMessageText(" \n\t "), "Write a message first.");
  assert.equal(checkMessageText("hi"), null);
  assert.equal(checkMessageText("x".repeat(MAX_MESSAGE_LENGTH)), null);
  assert.equal(
    checkMessageText("x".repeat(MAX_MESSAGE_LENGTH + 1)),
    "Too long: 501 characters; the limit is 500.",
  );
  // Surrounding blanks do not count; characters are code points, not UTF-16 units.
  assert.equal(checkMessageText(`  ${"x".repeat(MAX_MESSAGE_LENGTH)}  `), null);
  assert.equal(checkMessageText("😀".repeat(MAX_MESSAGE_LENGTH)), null);
});
