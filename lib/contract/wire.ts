/**
 * The JSON shapes on the wire between the server and the island: one
 * message (`RoomMessage`: in island props, in `GET /api/rooms/<id>/messages`,
 * and as `clientId` + `PublishedMessageData` on the room's channel), one
 * user (`RoomUser`), the island's props (`RoomSetup`, filled by
 * `lib/room_page/`) and the browser's Ably options. Types only: the browser
 * and the server read the same declarations.
 *
 * A message of a room as the page shows it, on the server and in the
 * browser alike: the stored message of `lib/rooms/messages.ts` without its
 * room id. What may be sent is the server's rule (`lib/rooms/text.ts`); the
 * island shows the reason the server gives. How messages arrive from Ably
 * and become this shape is `lib/room_client/inbound.ts`.
 *
 * Text is only ever rendered as text (Preact escapes it), so a message with
 * HTML in it shows the HTML source.
 */
import type { Transport } from "ably";

/** One message in the room. */
export interface RoomMessage {
  /** The stored message id; unique and in posting order, so a message arriving twice is shown once. */
  id: string;
  /** The sender's user id (`provider:subject`). */
  clientId: string;
  /** The sender's display name, as the server knew it when they posted. */
  name: string;
  /** The message text, trimmed. */
  text: string;
  /** When the server stored it, ms since the epoch. */
  at: number;
  /**
   * How often it changed: 0 (or absent) as posted, one more for each edit
   * and for the delete. Of two states of one id, the higher version is the
   * newer, whatever order they arrive in.
   */
  version?: number;
  /** When its author last edited it, ms since the epoch; absent if never. */
  editedAt?: number;
  /**
   * When it was deleted, ms since the epoch. A deleted message is a
   * tombstone: its `text` is `""` in KV, on the wire and on screen, which
   * shows "Message deleted" in its place.
   */
  deletedAt?: number;
}

/**
 * A page of stored messages, oldest first, as `GET /api/rooms/<id>/messages`
 * answers (the server's own pages carry its stored messages, `M`).
 */
export interface MessagePage<M extends RoomMessage = RoomMessage> {
  messages: M[];
  /** Pass as `before` for the page of older messages; `null` at the first message. */
  next: string | null;
}

/**
 * The `data` of a room message on its channel: the message less its
 * `clientId`, which travels as the Ably message's own `clientId`.
 */
export type PublishedMessageData = Omit<RoomMessage, "clientId">;

/**
 * An open invitation as `GET /api/invitations` lists it, and as the
 * invitations island on `/` shows it: the names are the server's.
 */
export interface InvitationJson {
  roomId: string;
  roomName: string;
  /** The owner who invited (`provider:subject`). */
  invitedBy: string;
  inviterName: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms from which it can no longer be accepted. */
  expiresAt: number;
}

/**
 * A user as far as a decision or a signature needs them: the session's
 * `provider:subject` id, which is the token's clientId. The policy, the
 * token service and the room changes all take this one shape.
 */
export interface UserRef {
  readonly id: string;
}

/** A user as the room shows them. */
export interface RoomUser extends UserRef {
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

/** What the island passes to `new Ably.Realtime({ ...options, authCallback })`. */
export interface BrowserClientOptions {
  /** Host name or IP of the service; absent means Ably's own. */
  endpoint?: string;
  /** Plain-HTTP/WS port (SDK option `port`). */
  port?: number;
  /** TLS port (SDK option `tlsPort`). */
  tlsPort?: number;
  tls?: boolean;
  /** WebSocket only: no long-polling fallback to hosts we do not run. */
  transports?: Transport[];
  /** The default check fetches an Ably internet host. */
  disableConnectivityCheck?: boolean;
  /** JSON to the emulator, as the browser build speaks without its MsgPack
   * plugin (the emulator speaks msgpack too). */
  useBinaryProtocol?: boolean;
}

/** The live room island's props (plain JSON, see `lib/fresh/serializer.ts`). */
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
  /**
   * Whether the visitor may delete anyone's message here (the policy's
   * `moderate`: the room's owner). Everyone may edit and delete their own.
   */
  moderator: boolean;
}

/**
 * What a browser puts in its presence data, and all that is read from it:
 * whether its user is typing in the room. Names are never taken from it.
 */
export interface TypingPresence {
  typing: boolean;
}
