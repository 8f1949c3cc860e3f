/** A room as the JSON API shows it: what a script needs to open its channel. */
import { roomChannel } from "../contract/mod.ts";
import type { Room } from "./mod.ts";

/** What `POST /api/rooms` and `GET /api/rooms` answer per room. */
export interface RoomJson {
  id: string;
  name: string;
  private: boolean;
  /** `room:<id>`: what a token from `/api/live?room=<id>` grants. */
  channel: string;
}

export function roomJson(room: Room): RoomJson {
  return {
    id: room.id,
    name: room.name,
    private: room.private,
    channel: roomChannel(room.id),
  };
}
