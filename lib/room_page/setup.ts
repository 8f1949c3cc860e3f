/**
 * What the server hands the live room island as props (plain JSON, see
 * `lib/fresh/serializer.ts`): who the visitor is, which room and channels to
 * open, where the browser's Ably client connects, and the room's last
 * messages from KV. Channel names come from the capability policy
 * (`lib/ably/capability.ts`), so the island opens exactly what its token
 * grants. The island reads these props; `live.ts` connects with them.
 *
 * Server only: it reaches `lib/ably/mod.ts`, which loads the full `ably`
 * SDK. Browser code imports the types alone (`import type`).
 */
import {
  type BrowserClientOptions,
  roomChannel,
  userChannel,
} from "../ably/mod.ts";
import type { User } from "../auth/mod.ts";
import type { MessagePage, Room } from "../rooms/mod.ts";
import type { RoomMessage } from "../contract/wire.ts";

/** The signed-in visitor, as the room shows them. */
export interface RoomUser {
  /** `provider:subject`: the token's clientId. */
  id: string;
  login: string;
  name: string;
}

/** The room the island shows. */
export interface RoomInfo {
  id: string;
  name: string;
  /** `room:<id>`. */
  channel: string;
}

/** The island's props. */
export interface RoomSetup {
  user: RoomUser;
  room: RoomInfo;
  /** The visitor's own channel; only the server publishes there. */
  userChannel: string;
  /** `ably.browserOptions`: where to connect, never a key. */
  clientOptions: BrowserClientOptions;
  /** The room's last messages from KV, as the server rendered them; oldest first. */
  messages: RoomMessage[];
  /** The cursor of the messages before these, `null` when there are none. */
  next: string | null;
}

/**
 * The island's props for `user` in `room`, with `page` from `listMessages`.
 *
 * @example
 * ```ts
 * const setup = roomSetup(user, access.room, ably.browserOptions, page);
 * setup.room.channel; // "room:lobby"
 * ```
 */
export function roomSetup(
  user: User,
  room: Room,
  clientOptions: BrowserClientOptions,
  page: MessagePage,
): RoomSetup {
  return {
    user: { id: user.id, login: user.login, name: user.name },
    room: { id: room.id, name: room.name, channel: roomChannel(room.id) },
    userChannel: userChannel(user.id),
    clientOptions,
    messages: page.messages.map(({ id, clientId, name, text, at }) => ({
      id,
      clientId,
      name,
      text,
      at,
    })),
    next: page.next,
  };
}
