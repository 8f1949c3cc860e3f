/**
 * What the live room tells the visitor about its connection, from ably-js's
 * connection and channel states (`live.ts` calls it on every change; the
 * island shows the result and exposes it as `data-state`).
 *
 * `connected` only once the connection is up *and* the room channel
 * attached: before that nothing can be sent or seen. `signed-out` once the
 * token route has said the session is gone (401), `no-access` once it has
 * said the visitor may no longer see the room (403) — whatever ably-js says
 * after.
 */

/** What the room shows about its connection. */
export type RoomStatus =
  | "connecting"
  | "connected"
  | "disconnected"
  | "suspended"
  | "failed"
  | "signed-out"
  | "no-access";

/** Why the room ended for good: the token route's 401 or 403. */
export type RoomEnd = "signed-out" | "no-access" | null;

/**
 * The room's status.
 *
 * @example
 * ```ts
 * roomStatus(null, "connected", "attaching"); // "connecting"
 * roomStatus(null, "connected", "attached"); // "connected"
 * roomStatus("no-access", "connected", "attached"); // "no-access"
 * ```
 */
export function roomStatus(
  ended: RoomEnd,
  connection: string,
  channel: string,
): RoomStatus {
  if (ended) return ended;
  if (connection === "connected") {
    return channel === "attached" ? "connected" : "connecting";
  }
  if (/^(disconnected|suspended|failed)$/.test(connection)) {
    return connection as RoomStatus;
  }
  // `closing`, `closed`: as good as disconnected; the rest is on its way.
  return connection.startsWith("clos") ? "disconnected" : "connecting";
}

/**
 * How long a connection cut by a token revocation (40141) may take to come
 * back attached before the room shows it. In `request` and `token` mode a
 * removal from another room revokes all of the visitor's tokens; ably-js
 * renews at once (RTN15h2) and this room carries on, so nothing is news.
 */
export const RENEWAL_GRACE_MS = 3_000;

/**
 * What to show for `next` while the room shows `shown`: during a renewal
 * after a revocation (`renewing`), a room that was connected keeps showing
 * connected through `disconnected` and `connecting`; an end or a failure
 * shows at once.
 *
 * @example
 * ```ts
 * shownStatus("connected", "disconnected", true); // "connected"
 * shownStatus("connected", "no-access", true); // "no-access"
 * ```
 */
export function shownStatus(
  shown: RoomStatus,
  next: RoomStatus,
  renewing: boolean,
): RoomStatus {
  const passing = next === "disconnected" || next === "connecting";
  return renewing && shown === "connected" && passing ? shown : next;
}
