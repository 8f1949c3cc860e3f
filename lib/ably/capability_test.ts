import assert from "node:assert/strict";
import {
  canonicalCapability,
  canonicalCapabilityFor,
  capabilityFor,
  InvalidRoomIdError,
  InvalidUserIdError,
  pageCapability,
  ROOM_CHANNEL,
  roomChannel,
  userChannel,
} from "./capability.ts";

Deno.test("capabilityFor grants the room fully and the own channel read-only", () => {
  assert.deepEqual(capabilityFor({ id: "github:42" }), {
    "room:lobby": ["history", "presence", "publish", "subscribe"],
    "user:github:42": ["subscribe"],
  });
  assert.equal(ROOM_CHANNEL, "room:lobby");
  assert.equal(userChannel("github:42"), "user:github:42");
});

Deno.test("capabilityFor never names another user's channel or a wildcard", () => {
  const capability = capabilityFor({ id: "oidc:alice" });
  assert.deepEqual(Object.keys(capability).sort(), [
    "room:lobby",
    "user:oidc:alice",
  ]);
  for (const resource of Object.keys(capability)) {
    assert.ok(!resource.includes("*"), resource);
    assert.ok(!resource.includes("bob"), resource);
  }
});

Deno.test("capabilityFor refuses ids that would widen the grant", () => {
  for (const id of ["", "*", "github:*", "oidc:a*", "no-provider"]) {
    assert.throws(() => capabilityFor({ id }), InvalidUserIdError, id);
  }
});

Deno.test("canonicalCapabilityFor is the exact canonical JSON", () => {
  assert.equal(
    canonicalCapabilityFor({ id: "github:42" }),
    '{"room:lobby":["history","presence","publish","subscribe"],"user:github:42":["subscribe"]}',
  );
  assert.equal(
    canonicalCapabilityFor({ id: 'oidc:ü"x' }),
    '{"room:lobby":["history","presence","publish","subscribe"],"user:oidc:ü\\"x":["subscribe"]}',
  );
});

Deno.test("canonicalCapability sorts resources and operations, no whitespace", () => {
  const input = {
    "z:b": ["subscribe", "history", "publish"],
    "a:c": ["presence", "subscribe"],
  };
  assert.equal(
    canonicalCapability(input),
    '{"a:c":["presence","subscribe"],"z:b":["history","publish","subscribe"]}',
  );
  assert.deepEqual(input["z:b"], ["subscribe", "history", "publish"]);
});

Deno.test("roomChannel names one room and refuses anything that is not a room id", () => {
  assert.equal(roomChannel("lobby"), "room:lobby");
  assert.equal(roomChannel("abcdefghijklmnop"), "room:abcdefghijklmnop");
  assert.equal(ROOM_CHANNEL, roomChannel("lobby"));
  for (const bad of ["*", "lobby:*", "", "a:b", "abcdefghijklmnoP"]) {
    assert.throws(() => roomChannel(bad), InvalidRoomIdError, bad);
  }
});

Deno.test("pageCapability grants presence and subscribe on the room, never publish or history", () => {
  assert.deepEqual(pageCapability("github:42", "abcdefghijklmnop"), {
    "room:abcdefghijklmnop": ["presence", "subscribe"],
    "user:github:42": ["subscribe"],
  });
  assert.deepEqual(pageCapability("github:42", null), {
    "user:github:42": ["subscribe"],
  });
  assert.throws(() => pageCapability("*", "lobby"), InvalidUserIdError);
});
