import assert from "node:assert/strict";
import { mergeMessages, toRoomMessage } from "./inbound.ts";
import type { RoomMessage } from "./message.ts";

const wire = {
  id: "conn:1:0",
  name: "message",
  clientId: "embedded:alice",
  data: { text: "  hello  ", name: "Alice" },
  timestamp: 1_700_000_000_000,
};

Deno.test("toRoomMessage reads a room message and trims its text", () => {
  assert.deepEqual(toRoomMessage(wire), {
    id: "conn:1:0",
    clientId: "embedded:alice",
    name: "Alice",
    text: "hello",
    at: 1_700_000_000_000,
  });
});

Deno.test("toRoomMessage falls back to the clientId for a missing or blank name", () => {
  assert.equal(
    toRoomMessage({ ...wire, data: { text: "hi" } })?.name,
    "embedded:alice",
  );
  assert.equal(
    toRoomMessage({ ...wire, data: { text: "hi", name: "  " } })?.name,
    "embedded:alice",
  );
  assert.equal(
    toRoomMessage({ ...wire, data: { text: "hi", name: "n".repeat(300) } })
      ?.name.length,
    200,
  );
});

Deno.test("toRoomMessage drops what is not a room message", () => {
  for (
    const m of [
      { ...wire, name: "notice" },
      { ...wire, id: undefined },
      { ...wire, clientId: undefined },
      { ...wire, data: "hello" },
      { ...wire, data: null },
      { ...wire, data: { text: 42, name: "Alice" } },
      { ...wire, data: { text: "   ", name: "Alice" } },
      { ...wire, data: { text: "x".repeat(501), name: "Alice" } },
    ]
  ) {
    assert.equal(toRoomMessage(m), null, JSON.stringify(m).slice(0, 80));
  }
});

Deno.test("toRoomMessage keeps markup as plain text", () => {
  const text = "<script>alert(1)</script>";
  assert.equal(
    toRoomMessage({ ...wire, data: { text, name: "<b>x</b>" } })?.text,
    text,
  );
});

function message(id: string, at: number): RoomMessage {
  return { id, clientId: "embedded:a", name: "a", text: id, at };
}

Deno.test("mergeMessages adds each id once, oldest first, the last `keep` only", () => {
  const a = message("a", 1);
  const b = message("b", 2);
  const c = message("c", 3);
  const list = [a, b];
  assert.equal(mergeMessages(list, [b]), list, "nothing new: same array");
  assert.deepEqual(mergeMessages(list, [c, b, c]), [a, b, c]);
  assert.deepEqual(mergeMessages([b, c], [a]), [a, b, c]);
  assert.deepEqual(mergeMessages([a, b], [c], 2), [b, c]);
});
