/**
 * The live room's state in the browser, as signals: the island
 * (`islands/LiveRoom.tsx`) renders from them, the Ably connection
 * (`live.ts`) writes them. Nothing here touches Ably, and nothing here
 * computes: what the island needs for its first paint stays this small.
 */
import { type Signal, signal } from "@preact/signals";
import type { RoomMessage } from "./message.ts";
import type { RoomStatus } from "./status.ts";

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
  /** What the room shows about its connection (`status.ts`). */
  status: Signal<RoomStatus>;
  /** Room messages, oldest first. */
  messages: Signal<RoomMessage[]>;
  /** Who is here now. */
  members: Signal<Member[]>;
  /** The latest notices for this user. */
  notices: Signal<Notice[]>;
}

/** Room state seeded with the server-rendered history. */
export function createRoomState(history: RoomMessage[]): RoomState {
  return {
    status: signal("connecting"),
    messages: signal(history),
    members: signal([]),
    notices: signal([]),
  };
}
