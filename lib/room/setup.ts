/**
 * What the server hands the live room island as props (plain JSON, see
 * `lib/fresh/serializer.ts`): who the visitor is, which channels to open
 * and where the browser's Ably client connects. Channel names come from the
 * capability policy (`lib/ably/capability.ts`), so the island opens exactly
 * what its token grants. The island reads these props; `live.ts` connects
 * with them.
 *
 * Server only: it reaches `lib/ably/mod.ts`, which loads the full `ably`
 * SDK. Browser code imports the types alone (`import type`).
 */
import {
  type BrowserClientOptions,
  ROOM_CHANNEL,
  userChannel,
} from "../ably/mod.ts";
import type { User } from "../auth/mod.ts";
import type { RoomMessage } from "./message.ts";

/** The signed-in visitor, as the room shows them. */
export interface RoomUser {
  /** `provider:subject`: the token's clientId. */
  id: string;
  login: string;
  name: string;
}

/** The island's props. */
export interface RoomSetup {
  user: RoomUser;
  channels: {
    /** The shared room. */
    room: string;
    /** The visitor's own channel; only the server publishes there. */
    user: string;
  };
  /** `services().ably.browserOptions`: where to connect, never a key. */
  clientOptions: BrowserClientOptions;
  /** The room's last messages, as the server rendered them; oldest first. */
  history: RoomMessage[];
}

/**
 * The island's props for `user`.
 *
 * @example
 * ```ts
 * const setup = roomSetup(ctx.state.user, services().ably.browserOptions, history);
 * setup.channels; // { room: "room:lobby", user: "user:oidc:alice" }
 * ```
 */
export function roomSetup(
  user: User,
  clientOptions: BrowserClientOptions,
  history: RoomMessage[],
): RoomSetup {
  return {
    user: { id: user.id, login: user.login, name: user.name },
    channels: { room: ROOM_CHANNEL, user: userChannel(user.id) },
    clientOptions,
    history,
  };
}
