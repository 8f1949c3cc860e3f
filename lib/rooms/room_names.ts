/**
 * The names `GET /api/rooms/<id>/names` may tell: of the people who can be
 * in that room, for someone the policy lets read it. A private room's
 * presence holds only its members (its token is granted to nobody else), so
 * there only members' names are answered and any other id is left out as
 * unknown: a member cannot use the room to look up strangers. The lobby and
 * public rooms may hold anyone signed in, so there any user's name is
 * answered.
 */
import { getManyInBatches } from "../platform/mod.ts";
import type { RoomAccess } from "./policy.ts";
import { memberKey } from "./room_store.ts";
import { displayNames, MAX_NAME_LOOKUP } from "./users.ts";

/**
 * The display names of those of `userIds` who may be in `access`'s room.
 *
 * @example
 * ```ts
 * import type { RoomAccess } from "./policy.ts";
 * declare const kv: Deno.Kv;
 * declare const access: RoomAccess;
 * await roomDisplayNames(kv, access, ["github:42", "github:7"]);
 * // { "github:42": "Alice" } when github:7 is no member of a private room
 * ```
 */
export async function roomDisplayNames(
  kv: Deno.Kv,
  access: RoomAccess,
  userIds: readonly string[],
): Promise<Record<string, string>> {
  if (!access.room.private) return await displayNames(kv, userIds);
  const ids = [...new Set(userIds)].slice(0, MAX_NAME_LOOKUP);
  const entries = await getManyInBatches(
    kv,
    ids.map((id) => memberKey(access.room.id, id)),
  );
  const members = ids.filter((_, n) => entries[n].value !== null);
  return await displayNames(kv, members);
}
