/**
 * The live room's state in the browser, as signals: the island
 * (`islands/LiveRoom.tsx`) renders from them, the Ably connection
 * (`live.ts`) writes them. Nothing here touches Ably, so the island's first
 * paint needs none of it.
 *
 * `status` is what the visitor is told: `connected` only once the
 * connection is up *and* the room channel attached (the room's
 * `data-state`, which tests and `bench/page_bench.ts` wait for), and
 * `signed-out` once the token route says the session is gone.
 */
import {
  computed,
  type ReadonlySignal,
  type Signal,
  signal,
} from "@preact/signals";
import type { RoomMessage } from "./message.ts";

/** What the room shows about its connection. */
export type RoomStatus =
  | "connecting"
  | "connected"
  | "disconnected"
  | "suspended"
  | "failed"
  | "signed-out";

/** Someone in the room now (presence). */
export interface Member {
  /** User id; one entry per user, however many tabs they have open. */
  clientId: string;
  /** Display name. */
  name: string;
}

/** A message the server sent to this user alone (`user:<id>`). */
export interface Notice {
  id: string;
  text: string;
}

export interface RoomState {
  /** The Ably connection state (`initialized`, `connected`, …). */
  connection: Signal<string>;
  /** The room channel's state (`attached`, …). */
  channel: Signal<string>;
  /** The token route answered 401: the session ended. */
  signedOut: Signal<boolean>;
  /** Derived from the three above. */
  status: ReadonlySignal<RoomStatus>;
  /** Room messages, oldest first. */
  messages: Signal<RoomMessage[]>;
  /** Who is here now. */
  members: Signal<Member[]>;
  /** The latest notices for this user. */
  notices: Signal<Notice[]>;
}

/** Room state seeded with the server-rendered history. */
export function createRoomState(history: RoomMessage[]): RoomState {
  const connection = signal("initialized");
  const channel = signal("initialized");
  const signedOut = signal(false);
  return {
    connection,
    channel,
    signedOut,
    status: computed(() =>
      statusOf(signedOut.value, connection.value, channel.value)
    ),
    messages: signal(history),
    members: signal<Member[]>([]),
    notices: signal<Notice[]>([]),
  };
}

function statusOf(
  signedOut: boolean,
  connection: string,
  channel: string,
): RoomStatus {
  if (signedOut) return "signed-out";
  switch (connection) {
    case "connected":
      return channel === "attached" ? "connected" : "connecting";
    case "disconnected":
    case "suspended":
    case "failed":
      return connection;
    case "closing":
    case "closed":
      return "disconnected";
    default:
      return "connecting";
  }
}
