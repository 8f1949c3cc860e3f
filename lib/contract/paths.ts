/**
 * The API paths the island calls; the routes under `routes/api/` answer
 * them.
 */

/** The fixed paths. */
export const API_PATHS = {
  /** The token route (`routes/api/live.ts`). */
  live: "/api/live",
  /** Where the server publishes a notice for the caller (`routes/api/notify-me.ts`). */
  notifyMe: "/api/notify-me",
  /** The caller's open invitations (`routes/api/invitations/index.ts`). */
  invitations: "/api/invitations",
  /** The rooms a session sees (`routes/api/rooms/index.ts`). */
  rooms: "/api/rooms",
} as const;

/**
 * One room's API path; its messages, names and members are below it.
 *
 * @example
 * ```ts
 * import { roomApiPath } from "./paths.ts";
 *
 * roomApiPath("lobby"); // "/api/rooms/lobby"
 * ```
 */
export function roomApiPath(roomId: string): string {
  return `${API_PATHS.rooms}/${roomId}`;
}

/**
 * One message's API path: `PATCH` edits it, `DELETE` deletes it.
 *
 * @example
 * ```ts
 * import { messageApiPath } from "./paths.ts";
 *
 * messageApiPath("lobby", "01J…"); // "/api/rooms/lobby/messages/01J…"
 * ```
 */
export function messageApiPath(roomId: string, messageId: string): string {
  return `${roomApiPath(roomId)}/messages/${messageId}`;
}
