import assert from "node:assert/strict";
import { roomStatus, shownStatus } from "./status.ts";

Deno.test("roomStatus: connected only with the room channel attached", () => {
  assert.equal(roomStatus(null, "initialized", "initialized"), "connecting");
  assert.equal(roomStatus(null, "connecting", "attaching"), "connecting");
  assert.equal(roomStatus(null, "connected", "attaching"), "connecting");
  assert.equal(roomStatus(null, "connected", "attached"), "connected");
  assert.equal(roomStatus(null, "disconnected", "attached"), "disconnected");
  assert.equal(roomStatus(null, "suspended", "suspended"), "suspended");
  assert.equal(roomStatus(null, "failed", "failed"), "failed");
  assert.equal(roomStatus(null, "closed", "detached"), "disconnected");
});

Deno.test("roomStatus: signed-out and no-access win over whatever ably-js reports after", () => {
  for (const state of ["connected", "closing", "closed", "failed"]) {
    assert.equal(roomStatus("signed-out", state, "attached"), "signed-out");
    assert.equal(roomStatus("no-access", state, "attached"), "no-access");
  }
});

Deno.test("shownStatus: a renewal after a revocation shows no change; an end does", () => {
  assert.equal(shownStatus("connected", "disconnected", true), "connected");
  assert.equal(shownStatus("connected", "connecting", true), "connected");
  assert.equal(shownStatus("connected", "no-access", true), "no-access");
  assert.equal(shownStatus("connected", "failed", true), "failed");
  assert.equal(shownStatus("connected", "disconnected", false), "disconnected");
  assert.equal(shownStatus("connecting", "disconnected", true), "disconnected");
});
