/**
 * The room's recent messages for the server-rendered page: Ably history
 * (RSL2) over the server's REST client, newest last, as `RoomMessage`s.
 *
 * The page must never wait on a slow Ably: the request is given
 * `timeoutMs`, after which the page renders without history (the island
 * still shows what arrives live). Any failure is logged and yields `[]`.
 * The browser half, which receives messages live, is `live.ts`.
 */
import type * as Ably from "ably";
import { getLogger } from "../log.ts";
import { toRoomMessage } from "./inbound.ts";
import type { RoomMessage } from "./message.ts";

/** How many messages the page shows before any JavaScript runs. */
export const HISTORY_LIMIT = 20;

/** How long the page waits for history; a page is worth more than its past. */
export const HISTORY_TIMEOUT_MS = 500;

const logger = getLogger(["live", "room"]);

/**
 * The last `limit` room messages of `channel`, oldest first; `[]` when
 * Ably fails or takes longer than `timeoutMs`.
 *
 * @example
 * ```ts
 * const messages = await recentMessages(services().ably.tokens.rest, ROOM_CHANNEL);
 * ```
 */
export async function recentMessages(
  rest: Ably.Rest,
  channel: string,
  { limit = HISTORY_LIMIT, timeoutMs = HISTORY_TIMEOUT_MS } = {},
): Promise<RoomMessage[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeoutMs);
  });
  const request = rest.channels.get(channel).history({
    limit,
    direction: "backwards",
  });
  // A request that loses the race may still fail later; that is expected.
  request.catch(() => {});
  try {
    const page = await Promise.race([request, late]);
    if (page === "late") {
      logger.warn("room history took over {timeoutMs} ms; page without it", {
        timeoutMs,
      });
      return [];
    }
    const messages: RoomMessage[] = [];
    for (const item of page.items) {
      const message = toRoomMessage(item);
      if (message) messages.push(message);
    }
    return messages.reverse();
  } catch (error) {
    logger.warn("room history failed; page without it: {error}", { error });
    return [];
  } finally {
    clearTimeout(timer);
  }
}
