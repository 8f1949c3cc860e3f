/**
 * The public list is cut by age: the newest `MAX_LISTED_ROOMS` public rooms,
 * whatever their random ids; and rooms stored before the age index existed
 * are indexed once at start.
 */
import assert from "node:assert/strict";
import { indexPublicRoomsByAge } from "./public_rooms.ts";
import {
  createRoom,
  deleteRoom,
  listVisibleRooms,
  MAX_LISTED_ROOMS,
} from "./rooms.ts";
import { user, withKv } from "./test_helpers.ts";

const T0 = 1_700_000_000_000;

/** `n` public rooms, one a minute, by two owners; their ids oldest first. */
async function publicRooms(kv: Deno.Kv, n: number): Promise<string[]> {
  const owners = [user("ann"), user("ben")];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const room = await createRoom(kv, owners[i % 2], {
      name: `Room ${i}`,
      private: false,
    }, T0 + i * 60_000);
    ids.push(room.id);
  }
  return ids;
}

Deno.test("listVisibleRooms lists the newest public rooms, cut by age, not by id", async () => {
  await withKv(async (kv) => {
    const ids = await publicRooms(kv, MAX_LISTED_ROOMS + 20);
    const listed = (await listVisibleRooms(kv, user("carol"))).map((r) => r.id);
    assert.deepEqual(listed, ["lobby", ...ids.slice(20).reverse()]);
    // A deleted room leaves the age index too: the next oldest moves up.
    // The newest, room 119, is ben's (rooms alternate between the owners).
    await deleteRoom(kv, user("ben"), ids.at(-1)!);
    const after = (await listVisibleRooms(kv, user("carol"))).map((r) => r.id);
    assert.deepEqual(after, ["lobby", ...ids.slice(19, -1).reverse()]);
  });
});

Deno.test("indexPublicRoomsByAge indexes rooms stored before the age index, once", async () => {
  await withKv(async (kv) => {
    const ids = await publicRooms(kv, 3);
    // As a store written before the index existed: no age keys, no marker.
    for await (const e of kv.list({ prefix: ["public_rooms_by_age"] })) {
      await kv.delete(e.key);
    }
    assert.deepEqual(
      (await listVisibleRooms(kv, user("carol"))).map((r) => r.id),
      ["lobby"],
    );
    await indexPublicRoomsByAge(kv);
    assert.deepEqual(
      (await listVisibleRooms(kv, user("carol"))).map((r) => r.id),
      ["lobby", ...ids.reverse()],
    );
    // Done once: a second start reads the marker and writes nothing.
    await kv.delete(["public_rooms_by_age", T0, ids.at(-1)!]);
    await indexPublicRoomsByAge(kv);
    assert.equal(
      (await kv.get(["public_rooms_by_age", T0, ids.at(-1)!])).value,
      null,
    );
  });
});
