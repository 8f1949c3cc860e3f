/**
 * The live room island's props (`RoomSetup`, in `lib/contract/`), filled on
 * the server: who the visitor is, which room and channels to
 * open, where the browser's Ably client connects, and the room's last
 * messages from KV. Channel names come from the capability policy
 * (`lib/contract/channels.ts`), so the island opens exactly what its token
 * grants. The island reads these props; `lib/room_client/live.ts` connects
 * with them.
 */
import type { User } from "../auth/mod.ts";
import {
  type BrowserClientOptions,
  roomChannel,
  type RoomSetup,
  userChannel,
} from "../contract/mod.ts";
import type { MessagePage, Room } from "../rooms/mod.ts";

/**
 * The island's props for `user` in `room`, with `page` from `listMessages`.
 *
 * @example
 * ```ts
 * import type { User } from "../auth/mod.ts";
 * import type { BrowserClientOptions } from "../contract/mod.ts";
 * import type { MessagePage, Room } from "../rooms/mod.ts";
 * declare const user: User;
 * declare const room: Room;
 * declare const browserOptions: BrowserClientOptions;
 * declare const page: MessagePage;
 * const setup = roomSetup(user, room, browserOptions, page);
 * setup.room.channel; // "room:lobby"
 * ```
 */
export function roomSetup(
  user: User,
  room: Room,
  clientOptions: BrowserClientOptions,
  page: MessagePage,
  moderator = false,
): RoomSetup {
  return {
    user: { id: user.id, login: user.login, name: user.name },
    room: { id: room.id, name: room.name, channel: roomChannel(room.id) },
    userChannel: userChannel(user.id),
    clientOptions,
    // The stored message less its room id.
    messages: page.messages.map(({ roomId: _, ...message }) => message),
    next: page.next,
    moderator,
  };
}
