/**
 * `roomOccupancy` against the emulator with the real SDK: distinct
 * clientIds per room (two tabs are one person), more than 100 rooms split
 * across requests, and a reader that hangs or fails gives no counts within
 * the deadline instead of an error.
 */
import assert from "node:assert/strict";
import type * as Ably from "ably";
import { startEmulator } from "../emulator/mod.ts";
import {
  closeClient,
  realtimeClient,
  restClient,
} from "../emulator/test_helpers.ts";
import { type PresenceBatchReader, roomOccupancy } from "./occupancy.ts";

const KEY = "app.occupancy:occupancysecret";

/** A room id as the app makes them (16 of `a-z2-7`), numbered `i`. */
const roomId = (i: number) =>
  Array.from(
    i.toString(26).padStart(16, "0"),
    (d) => String.fromCharCode(97 + parseInt(d, 26)),
  ).join("");

Deno.test("roomOccupancy counts distinct clientIds per room, 0 for an empty one, and splits 150 rooms into requests of at most 100", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const tabs = [
    realtimeClient(emu, { key: KEY, clientId: "alice" }),
    realtimeClient(emu, { key: KEY, clientId: "alice" }),
    realtimeClient(emu, { key: KEY, clientId: "bob" }),
  ];
  try {
    await Promise.all(
      tabs.map((t) => t.channels.get(`room:${roomId(1)}`).presence.enter()),
    );
    await tabs[2].channels.get("room:lobby").presence.enter();
    const rest = restClient(emu, KEY);
    const sizes: number[] = [];
    const counting: PresenceBatchReader = {
      batchPresence(channels: string[]) {
        sizes.push(channels.length);
        return rest.batchPresence(channels);
      },
    };
    const ids = ["lobby", ...Array.from({ length: 149 }, (_, i) => roomId(i))];
    const counts = await roomOccupancy(counting, ids, { deadlineMs: 5_000 });
    assert.deepEqual(sizes, [100, 50]);
    assert.equal(counts.size, 150);
    assert.equal(counts.get(roomId(1)), 2);
    assert.equal(counts.get("lobby"), 1);
    assert.equal(counts.get(roomId(2)), 0);
    // A malformed id is never asked for.
    assert.deepEqual(await roomOccupancy(counting, ["NOT A ROOM"]), new Map());
  } finally {
    await Promise.all(tabs.map(closeClient));
    await emu.close();
  }
});

Deno.test("roomOccupancy gives no counts, and no error, when Ably hangs past the deadline or fails", async () => {
  let release: () => void = () => {};
  const hanging: PresenceBatchReader = {
    batchPresence: () =>
      new Promise<never>((_, reject) => {
        release = () => reject(new Error("released"));
      }),
  };
  const started = performance.now();
  const none = await roomOccupancy(hanging, ["lobby"], { deadlineMs: 100 });
  const waited = performance.now() - started;
  release();
  assert.equal(none.size, 0);
  assert.ok(waited < 1_000, `waited ${waited} ms`);

  const failing: PresenceBatchReader = {
    batchPresence: () => Promise.reject(new Error("Ably is down")),
  };
  assert.equal((await roomOccupancy(failing, ["lobby"])).size, 0);
  // A channel refused alone is unknown; the others still count.
  const partial: PresenceBatchReader = {
    batchPresence: (channels: string[]) =>
      Promise.resolve({
        successCount: 1,
        failureCount: 1,
        results: [
          { channel: channels[0], presence: [{ clientId: "x" }] },
          { channel: channels[1], error: { code: 40160, statusCode: 401 } },
        ],
      } as unknown as Ably.BatchResult<Ably.BatchPresenceSuccessResult>[]),
  };
  const counts = await roomOccupancy(partial, ["lobby", roomId(3)]);
  assert.deepEqual([...counts], [["lobby", 1]]);
});
