/**
 * What a room's page shows, read on the server: the island's props (the
 * last `RECENT_MESSAGES` from KV) and, for the owner, the members panel
 * with the open invitations; and on `/`, the visitor's own invitations and
 * how many are in each of their rooms now and how much is unread in each.
 * `null` whenever the policy says the visitor may not see the room — an
 * unknown room, a malformed id and a private room they are not in alike.
 */
import type {
  BrowserClientOptions,
  InvitationJson,
  RoomSetup,
} from "../contract/mod.ts";
import type { User } from "../auth/mod.ts";
import {
  displayNames,
  invitationJson,
  listInvitations,
  listMembers,
  listMessages,
  listRoomInvitations,
  listVisibleRooms,
  LOBBY_ID,
  RECENT_MESSAGES,
  type Room,
  roomAccess,
  unreadCounts,
  userRoomIds,
} from "../rooms/mod.ts";
import { roomSetup } from "./setup.ts";

/** A member as the owner's panel lists them. */
export interface MemberView {
  id: string;
  name: string;
  owner: boolean;
}

/** An open invitation as the owner's panel lists it. */
export interface InviteeView {
  userId: string;
  name: string;
}

/** A room's page. */
export interface RoomPage {
  room: Room;
  setup: RoomSetup;
  /** The members panel: only for the room's owner. */
  members: MemberView[] | null;
  /** Who is invited and has not answered: only for the room's owner. */
  invitees: InviteeView[] | null;
}

/**
 * The page of `roomId` for `user`, or `null` when they may not see it.
 *
 * @example
 * ```ts
 * import type { User } from "../auth/mod.ts";
 * import type { BrowserClientOptions } from "../contract/mod.ts";
 * declare const kv: Deno.Kv;
 * declare const browserOptions: BrowserClientOptions;
 * declare const user: User;
 * const page = await roomPage(kv, user, "lobby", browserOptions);
 * if (!page) console.log("the not-found page");
 * ```
 */
export async function roomPage(
  kv: Deno.Kv,
  user: User,
  roomId: string,
  clientOptions: BrowserClientOptions,
): Promise<RoomPage | null> {
  const access = await roomAccess(kv, user, roomId);
  if (access === null) return null;
  const page = await listMessages(kv, access, { limit: RECENT_MESSAGES });
  let members: MemberView[] | null = null;
  let invitees: InviteeView[] | null = null;
  if (access.rights.manage) {
    const ids = await listMembers(kv, user, roomId);
    const invited = (await listRoomInvitations(kv, user, roomId))
      .map((inv) => inv.userId);
    const names = await displayNames(kv, [...ids, ...invited]);
    members = ids.map((id) => ({
      id,
      name: names[id] ?? id,
      owner: id === access.room.ownerId,
    }));
    invitees = invited.map((id) => ({ userId: id, name: names[id] ?? id }));
  }
  return {
    room: access.room,
    setup: roomSetup(
      user,
      access.room,
      clientOptions,
      page,
      access.rights.moderate,
    ),
    members,
    invitees,
  };
}

/**
 * The signed-in home page: the lobby's page, the rooms the visitor sees and
 * their open invitations.
 */
export interface HomePage {
  lobby: RoomPage;
  /** `listVisibleRooms`, the lobby first. */
  rooms: Room[];
  /** `listInvitations`, newest first, for `InvitationsPanel`. */
  invitations: InvitationJson[];
  /** People present in each of `rooms` now; a room left out is unknown. */
  occupancy: ReadonlyMap<string, number>;
  /** `unreadCounts`: messages unread per member room, by id. */
  unread: Record<string, number>;
}

/**
 * Counts the people present in each room, leaving out those it cannot tell
 * (`roomOccupancy` in `lib/ably/`); it never rejects and answers in bounded
 * time.
 */
export type CountPresent = (
  roomIds: readonly string[],
) => Promise<ReadonlyMap<string, number>>;

/** The signed-in home page for `user`. */
export async function homePage(
  kv: Deno.Kv,
  user: User,
  clientOptions: BrowserClientOptions,
  countPresent: CountPresent,
): Promise<HomePage> {
  // Only the rooms the visitor sees are counted, so a private room's count
  // reaches no one outside it; the count waits on the list, not the rest.
  // The member rooms, read once for the list and for the unread counts.
  const own = userRoomIds(kv, user.id);
  const roomsAndCounts = listVisibleRooms(kv, user, own).then(async (rooms) =>
    [rooms, await countPresent(rooms.map((r) => r.id))] as const
  );
  const [lobby, [rooms, occupancy], invitations, unread] = await Promise.all([
    roomPage(kv, user, LOBBY_ID, clientOptions),
    roomsAndCounts,
    listInvitations(kv, user),
    own.then((ids) => unreadCounts(kv, user.id, ids)),
  ]);
  // The lobby always exists and every signed-in user reads it.
  return {
    lobby: lobby!,
    rooms,
    invitations: invitations.map(invitationJson),
    occupancy,
    unread,
  };
}
