import assert from "node:assert/strict";
import { mergeMessages, toRoomMessage } from "./inbound.ts";
import type { RoomMessage } from "../contract/wire.ts";

const ID = "01JABCDEFGHJKMNPQRSTVWXYZ0";
const wire = {
  name: "message",
  clientId: "embedded:alice",
  data: { id: ID, text: "hello", name: "Alice", at: 1_700_000_000_000 },
};

Deno.test("toRoomMessage reads a server-published message", () => {
  assert.deepEqual(toRoomMessage(wire), {
    id: ID,
    clientId: "embedded:alice",
    name: "Alice",
    text: "hello",
    at: 1_700_000_000_000,
  });
});

Deno.test("toRoomMessage falls back to the clientId for a missing or empty name", () => {
  assert.equal(
    toRoomMessage({ ...wire, data: { ...wire.data, name: undefined } })?.name,
    "embedded:alice",
  );
  assert.equal(
    toRoomMessage({ ...wire, data: { ...wire.data, name: "" } })?.name,
    "embedded:alice",
  );
});

Deno.test("toRoomMessage drops what is not shaped as a stored room message", () => {
  for (
    const m of [
      { ...wire, name: "notice" },
      { ...wire, clientId: undefined },
      { ...wire, data: "hello" },
      { ...wire, data: null },
      { ...wire, data: { ...wire.data, id: undefined } },
      { ...wire, data: { ...wire.data, id: 7 } },
      { ...wire, data: { ...wire.data, text: 42 } },
    ]
  ) {
    assert.equal(toRoomMessage(m), null, JSON.stringify(m).slice(0, 80));
  }
});

Deno.test("toRoomMessage keeps markup as plain text", () => {
  const text = "<script>alert(1)</script>";
  assert.equal(
    toRoomMessage({ ...wire, data: { ...wire.data, text, name: "<b>x</b>" } })
      ?.text,
    text,
  );
});

function message(id: string, at: number): RoomMessage {
  return { id, clientId: "embedded:a", name: "a", text: id, at };
}

Deno.test("mergeMessages adds each id once, in id order", () => {
  const a = message("01A", 3);
  const b = message("01B", 2);
  const c = message("01C", 1);
  const list = [a, b];
  assert.equal(mergeMessages(list, [b]), list, "nothing new: same array");
  assert.deepEqual(mergeMessages(list, [c, b, c]), [a, b, c]);
  assert.deepEqual(mergeMessages([b, c], [a]), [a, b, c]);
});
