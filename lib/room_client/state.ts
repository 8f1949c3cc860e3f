/**
 * A room's state in the browser, as signals: the island
 * (`islands/LiveRoom.tsx`) renders from them, the connection (`live.ts`)
 * writes them. Nothing here touches Ably, and nothing here computes: what
 * the island needs for its first paint stays this small.
 */
import { type Signal, signal } from "@preact/signals";
import type { RoomMessage } from "../contract/mod.ts";
import type { RoomStatus } from "./status.ts";

/** Someone in the room now (presence). */
export interface Member {
  /** User id; one entry per user, however many tabs they have open. */
  clientId: string;
  /** Display name, as the server knows it (the names look-up). */
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
  /** Room messages, in posting order. */
  messages: Signal<RoomMessage[]>;
  /** The cursor of older messages to load, `null` at the room's first. */
  next: Signal<string | null>;
  /** Who is here now. */
  members: Signal<Member[]>;
  /** The latest notices for this user. */
  notices: Signal<Notice[]>;
}

/** Room state seeded with the server-rendered messages. */
export function createRoomState(
  messages: RoomMessage[],
  next: string | null,
): RoomState {
  return {
    status: signal("connecting"),
    messages: signal(messages),
    next: signal(next),
    members: signal([]),
    notices: signal([]),
  };
}
