/**
 * The public rooms in order of age, `["public_rooms_by_age", createdAt,
 * roomId]` → `true` (`room_store.ts`), so that the list everyone sees
 * (`listVisibleRooms`) takes the newest `MAX_LISTED_ROOMS` by age: a burst
 * of new rooms pushes the oldest off the list, never a random choice of
 * others' rooms, as a cut of `["public_rooms", roomId]` (ordered by random
 * id) did. `createRoom` and `deleteRoom` write and delete both indexes in
 * their own commits; `indexPublicRoomsByAge` fills the age index once for
 * rooms stored before it existed.
 */
import { publicRoomAgeKey, type Room, roomKey } from "./room_store.ts";

const INDEXED: Deno.KvKey = ["public_rooms_by_age_indexed"];

/**
 * Adds every public room missing from the age index; runs once per store
 * (a marker key remembers it), idempotent if two instances race. Call it at
 * start, before serving.
 */
export async function indexPublicRoomsByAge(kv: Deno.Kv): Promise<void> {
  if ((await kv.get(INDEXED)).value !== null) return;
  for await (const entry of kv.list({ prefix: ["public_rooms"] })) {
    const roomId = entry.key[1] as string;
    const room = await kv.get<Room>(roomKey(roomId));
    if (room.value === null) continue;
    // Checked against the room, so a room deleted meanwhile stays unlisted.
    await kv.atomic().check(room).set(publicRoomAgeKey(room.value), true)
      .commit();
  }
  await kv.set(INDEXED, Date.now());
}
