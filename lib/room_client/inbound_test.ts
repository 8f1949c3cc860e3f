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

Deno.test("toRoomMessage carries a change's version and times, and reads a tombstone", () => {
  const edited = {
    ...wire,
    data: { ...wire.data, text: "hello!", version: 1, editedAt: 5 },
  };
  assert.deepEqual(toRoomMessage(edited), {
    id: ID,
    clientId: "embedded:alice",
    name: "Alice",
    text: "hello!",
    at: 1_700_000_000_000,
    version: 1,
    editedAt: 5,
  });
  const tombstone = {
    ...wire,
    data: { ...wire.data, text: "", version: 2, deletedAt: 6 },
  };
  assert.deepEqual(toRoomMessage(tombstone), {
    id: ID,
    clientId: "embedded:alice",
    name: "Alice",
    text: "",
    at: 1_700_000_000_000,
    version: 2,
    deletedAt: 6,
  });
  assert.equal(
    toRoomMessage({ ...wire, data: { ...wire.data, version: "9" } })?.version,
    undefined,
    "not a number: not carried",
  );
});

Deno.test("mergeMessages keeps the highest version of an id, in id order, whatever order they arrive in", () => {
  const a = message("01A", 1);
  const b = message("01B", 2);
  const b1 = { ...b, text: "edited", version: 1, editedAt: 3 };
  const b2 = { ...b, text: "", version: 2, deletedAt: 4 };
  assert.deepEqual(mergeMessages([a, b], [b1]), [a, b1], "an edit replaces");
  const deleted = mergeMessages([a, b1], [b2]);
  assert.deepEqual(deleted, [a, b2], "a delete replaces");
  assert.equal(mergeMessages(deleted, [b1]), deleted, "v1 after v2: kept v2");
  assert.equal(
    mergeMessages(deleted, [b]),
    deleted,
    "the original after: kept",
  );
  const same = [a, b1];
  assert.equal(
    mergeMessages(same, [{ ...b1 }]),
    same,
    "same version: unchanged",
  );
  // An edit that arrives before the original is shown; the original, late, is not.
  const early = mergeMessages([a], [b1]);
  assert.deepEqual(early, [a, b1]);
  assert.equal(mergeMessages(early, [b]), early);
});
