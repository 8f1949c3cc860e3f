import assert from "node:assert/strict";
import { roomStatus } from "./status.ts";

Deno.test("roomStatus: connected only with the room channel attached", () => {
  assert.equal(roomStatus(false, "initialized", "initialized"), "connecting");
  assert.equal(roomStatus(false, "connecting", "attaching"), "connecting");
  assert.equal(roomStatus(false, "connected", "attaching"), "connecting");
  assert.equal(roomStatus(false, "connected", "attached"), "connected");
  assert.equal(roomStatus(false, "disconnected", "attached"), "disconnected");
  assert.equal(roomStatus(false, "suspended", "suspended"), "suspended");
  assert.equal(roomStatus(false, "failed", "failed"), "failed");
  assert.equal(roomStatus(false, "closed", "detached"), "disconnected");
});

Deno.test("roomStatus: signed-out wins over whatever ably-js reports after", () => {
  for (const state of ["connected", "closing", "closed", "failed"]) {
    assert.equal(roomStatus(true, state, "attached"), "signed-out");
  }
});
