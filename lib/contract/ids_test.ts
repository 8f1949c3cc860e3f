import assert from "node:assert/strict";
import {
  isClientMessageId,
  isMessageId,
  isRoomId,
  messageIdTime,
  newMessageId,
  newRoomId,
} from "./ids.ts";

Deno.test("room ids are 16 base32 characters, lobby passes, anything else fails", () => {
  const ids = new Set(Array.from({ length: 1000 }, newRoomId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.ok(isRoomId(id), id);
  assert.ok(isRoomId("lobby"));
  for (
    const bad of [
      "",
      "LOBBY",
      "room:lobby",
      "*",
      "abcdefghijklmnop1",
      "abcdefghijklmno",
      "abcdefghijklmno1",
      "../../etc/passwd",
      "abcdefghijklmnoP",
      null,
      42,
    ]
  ) assert.ok(!isRoomId(bad), String(bad));
});

Deno.test("message ids increase call after call, also within one millisecond and after a clock step back", () => {
  const ids = [
    newMessageId(1_000),
    newMessageId(1_000),
    newMessageId(1_000),
    newMessageId(999),
    newMessageId(2_000),
  ];
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `${i}`);
  assert.ok(ids.every(isMessageId));
  assert.equal(messageIdTime(ids[4]), 2_000);
  assert.equal(
    messageIdTime(newMessageId(1_764_400_000_000)),
    1_764_400_000_000,
  );
  const many = Array.from({ length: 10_000 }, () => newMessageId());
  assert.deepEqual([...many].sort(), many);
});

Deno.test("client message ids: 8 to 64 of [A-Za-z0-9_-]", () => {
  assert.ok(isClientMessageId("abcd-123"));
  assert.ok(isClientMessageId("x".repeat(64)));
  for (
    const bad of [
      "short",
      "x".repeat(65),
      "has space1",
      "ünicode1",
      "a/b/c/d/e",
      12345678,
    ]
  ) {
    assert.ok(!isClientMessageId(bad), String(bad));
  }
});
