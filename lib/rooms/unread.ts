/**
 * What is unread, per user and room, in KV — the same on every device:
 *
 * - `["room_reads", userId, roomId]` → `Deno.KvU64`: the room's `posted`
 *   count (`messages.ts`) when the user last had it open. Only ever raised
 *   (`max`), so a late, older read never brings back what a newer one
 *   cleared. Deleted with the membership (`removeMember`, `deleteRoom`).
 *
 * Unread = posted now − that marker, never more than the room holds
 * (posted − trimmed). A member with no marker yet counts everything the room
 * holds: a room I just created holds nothing, so shows 0; a room I was
 * invited to and joined shows its messages as new to me until I open it.
 * Counted for the rooms of the user's member index (`["user_rooms", …]`,
 * owner included): not the lobby, which `/` shows live itself, and not
 * public rooms they never joined.
 *
 * A read is set when a member's room page renders and by
 * `POST /api/rooms/<id>/read` (`markRead`); a sender's own post never
 * counts for them (`markRead` after the post, `unread_notices.ts`). The
 * live side — telling members and the reader's other devices — is
 * `unread_notices.ts`.
 */
import { getManyInBatches } from "../platform/mod.ts";
import { LOBBY_ID } from "../contract/mod.ts";
import { countKey } from "./messages.ts";
import { memberKey, readMarkerKey } from "./room_store.ts";
import { userRoomIds } from "./rooms.ts";

/**
 * Marks `roomId` read for `userId`, a member, up to the room's count now.
 * Returns whether anything was unread (the marker moved); `false` for the
 * lobby, a non-member (no marker is kept for strangers) and a room already
 * read.
 *
 * @example
 * ```ts
 * declare const kv: Deno.Kv;
 * if (await markRead(kv, "github:42", "k3j5m6n7p8q9r2s4")) {
 *   console.log("tell the other devices");
 * }
 * ```
 */
export async function markRead(
  kv: Deno.Kv,
  userId: string,
  roomId: string,
): Promise<boolean> {
  if (roomId === LOBBY_ID) return false;
  const [posted, marker, member] = await kv.getMany<
    [Deno.KvU64, Deno.KvU64, unknown]
  >([
    countKey(roomId, "posted"),
    readMarkerKey(userId, roomId),
    memberKey(roomId, userId),
  ]);
  if (member.value === null) return false;
  const now = posted.value?.value ?? 0n;
  // A marker already at the count is left alone: no write, no notice.
  if (marker.value !== null && marker.value.value >= now) return false;
  await kv.atomic()
    .max(readMarkerKey(userId, roomId), now)
    .commit();
  return now > (marker.value?.value ?? 0n);
}

/**
 * How many messages each of `userId`'s member rooms has unread, by room id
 * (rooms with none included, as 0): the rooms of `userRoomIds`, which the
 * caller may pass when it has read them already, read in `getMany`s of 10
 * keys, all at once.
 */
export async function unreadCounts(
  kv: Deno.Kv,
  userId: string,
  memberRoomIds?: readonly string[],
): Promise<Record<string, number>> {
  const roomIds = memberRoomIds ?? await userRoomIds(kv, userId);
  const keys = roomIds.flatMap((roomId) => [
    countKey(roomId, "posted"),
    countKey(roomId, "trimmed"),
    readMarkerKey(userId, roomId),
  ]);
  const values = (await getManyInBatches<Deno.KvU64>(kv, keys)).map((e) =>
    e.value?.value ?? 0n
  );
  const counts: Record<string, number> = {};
  roomIds.forEach((roomId, i) => {
    const [posted, trimmed, read] = values.slice(3 * i, 3 * i + 3);
    const unread = posted - read;
    const held = posted - trimmed;
    counts[roomId] = Number(unread < 0n ? 0n : unread < held ? unread : held);
  });
  return counts;
}
