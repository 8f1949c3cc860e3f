import {
  InvalidRoomIdError,
  InvalidUserIdError,
  ROOM_CHANNEL,
  roomChannel,
  userChannel,
} from "../contract/mod.ts";
import assert from "node:assert/strict";
import { canonicalCapability, pageCapability } from "./capability.ts";

Deno.test("pageCapability never names another user's channel or a wildcard", () => {
  const capability = pageCapability("oidc:alice", "lobby");
  assert.deepEqual(Object.keys(capability).sort(), [
    "room:lobby",
    "user:oidc:alice",
  ]);
  for (const resource of Object.keys(capability)) {
    assert.ok(!resource.includes("*"), resource);
    assert.ok(!resource.includes("bob"), resource);
  }
  assert.equal(ROOM_CHANNEL, "room:lobby");
  assert.equal(userChannel("github:42"), "user:github:42");
});

Deno.test("pageCapability refuses user ids that would widen the grant", () => {
  for (const id of ["", "*", "github:*", "oidc:a*", "no-provider"]) {
    assert.throws(() => pageCapability(id, "lobby"), InvalidUserIdError, id);
  }
});

Deno.test("a page capability's canonical JSON is exact", () => {
  assert.equal(
    canonicalCapability(pageCapability("github:42", "lobby")),
    '{"room:lobby":["presence","subscribe"],"user:github:42":["subscribe"]}',
  );
  assert.equal(
    canonicalCapability(pageCapability('oidc:ü"x', null)),
    '{"user:oidc:ü\\"x":["subscribe"]}',
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
