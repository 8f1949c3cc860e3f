/**
 * A room's state in the browser: the island (`islands/LiveRoom.tsx`)
 * renders from it, the connection (`live.ts`) writes it. Each field is a
 * cell whose `value` setter redraws the island — a dozen lines instead of a
 * signals library, which would be a third of the first paint's JavaScript.
 * Nothing here touches Ably.
 */
import type { RoomMessage } from "../contract/mod.ts";
import type { RoomStatus } from "./status.ts";

/** A value the island shows; setting a new one redraws it. */
export interface Cell<T> {
  value: T;
}

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
  status: Cell<RoomStatus>;
  /** Room messages, in posting order. */
  messages: Cell<RoomMessage[]>;
  /** The cursor of older messages to load, `null` at the room's first. */
  next: Cell<string | null>;
  /** Who is here now. */
  members: Cell<Member[]>;
  /** The latest notices for this user. */
  notices: Cell<Notice[]>;
  /** The names of the others typing now, as the server knows them. */
  typing: Cell<string[]>;
}

/**
 * Room state seeded with the server-rendered messages; `changed` runs after
 * every change of a value (the island's redraw).
 */
export function createRoomState(
  messages: RoomMessage[],
  next: string | null,
  changed: () => void,
): RoomState {
  const cell = <T>(value: T): Cell<T> => ({
    get value() {
      return value;
    },
    set value(v) {
      if (v !== value) value = v, changed();
    },
  });
  return {
    status: cell<RoomStatus>("connecting"),
    messages: cell(messages),
    next: cell(next),
    members: cell<Member[]>([]),
    notices: cell<Notice[]>([]),
    typing: cell<string[]>([]),
  };
}
