/**
 * What the live room tells the visitor about its connection, from ably-js's
 * connection and channel states (`live.ts` calls it on every change; the
 * island shows the result and exposes it as `data-state`).
 *
 * `connected` only once the connection is up *and* the room channel
 * attached: before that nothing can be sent or seen. `signed-out` once the
 * token route has said the session is gone, whatever ably-js says after.
 */

/** What the room shows about its connection. */
export type RoomStatus =
  | "connecting"
  | "connected"
  | "disconnected"
  | "suspended"
  | "failed"
  | "signed-out";

/**
 * The room's status.
 *
 * @example
 * ```ts
 * roomStatus(false, "connected", "attaching"); // "connecting"
 * roomStatus(false, "connected", "attached"); // "connected"
 * ```
 */
export function roomStatus(
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
