/**
 * The live side of unread counts (`unread.ts` keeps them): `UNREAD_NAME`
 * messages on members' own channels (`user:<id>`, where only the server
 * publishes), which an open `/` counts up or clears
 * (`lib/room_client/unread.ts`).
 *
 * - `announceUnread`: after a message reached its room (the inline publish
 *   of `delivery.ts`, or the outbox's), `{ roomId }` to every member but the
 *   sender, in one Ably batch publish (RSC22) — two for a room of over 100
 *   others, Ably's bound per request. The notice's id is derived from the
 *   message's, so a second publish of it (the outbox after a lost answer)
 *   is dropped by Ably (RSL1k).
 * - `clearUnread`: a member read the room (`markRead`); `{ roomId, read: true }`
 *   on their own channel, so their other devices' `/` clears it too, sent in
 *   the background. Sent only when something was unread, so there are never
 *   more of these than posts (which are rate-limited).
 *
 * Both are best-effort: the counts are read from KV at every `/`, so a lost
 * notice only leaves one open page behind until it reloads. Failures are
 * logged, never retried, and never fail or hold up a post for longer than
 * `NOTICE_TIMEOUT_MS`.
 */
import type * as Ably from "ably";
import { LOBBY_ID, UNREAD_NAME, type UnreadNotice } from "../contract/mod.ts";
import { type Publisher, publishToUsers } from "../ably/mod.ts";
import { getLogger, withDeadline } from "../platform/mod.ts";
import type { ChatMessage } from "./messages.ts";
import { memberIds } from "./rooms.ts";
import { markRead } from "./unread.ts";

const logger = getLogger(["live", "unread"]);

/** How long a notice may hold up the request (or outbox job) it follows. */
export const NOTICE_TIMEOUT_MS = 1_500;

/**
 * Whether publishing `message` is news for unread counts: a first version
 * (an edit or a delete is no new message), outside the lobby (which has no
 * members to count for, and is live on `/` itself).
 */
function countsAsNew(message: ChatMessage): boolean {
  return message.roomId !== LOBBY_ID && !message.version;
}

/**
 * Tells every member of `message`'s room but its sender that it has a new
 * message. Never throws.
 */
export async function announceUnread(
  kv: Deno.Kv,
  rest: Ably.Rest,
  message: ChatMessage,
): Promise<void> {
  if (!countsAsNew(message)) return;
  try {
    await withDeadline(
      publishNotices(kv, rest, message),
      NOTICE_TIMEOUT_MS,
      "Ably batch publish",
    );
  } catch (error) {
    logger.warn("unread notices for {messageId} failed: {reason}", {
      messageId: message.id,
      roomId: message.roomId,
      reason: (error as Error)?.message ?? String(error),
    });
  }
}

async function publishNotices(
  kv: Deno.Kv,
  rest: Ably.Rest,
  message: ChatMessage,
): Promise<void> {
  const others = (await memberIds(kv, message.roomId))
    .filter((userId) => userId !== message.clientId);
  const data: UnreadNotice = { roomId: message.roomId };
  const failed = await publishToUsers(rest, others, {
    id: `${message.roomId}.${message.id}.unread:0`,
    name: UNREAD_NAME,
    data,
  });
  if (failed > 0) {
    logger.warn("{failed} unread notices for {messageId} refused", {
      failed,
      messageId: message.id,
      roomId: message.roomId,
    });
  }
}

/**
 * A member's own post is never unread for them: right after its commit, and
 * whether or not Ably takes it now, their marker is raised to the room's
 * count. Never throws.
 */
export async function readOwnPost(
  kv: Deno.Kv,
  message: ChatMessage,
): Promise<void> {
  if (!countsAsNew(message)) return;
  await markRead(kv, message.clientId, message.roomId).catch((error) => {
    logger.warn("could not mark {roomId} read for its sender: {reason}", {
      roomId: message.roomId,
      reason: (error as Error)?.message ?? String(error),
    });
  });
}

/**
 * Marks `roomId` read for `userId` (`markRead`) and, if anything was
 * unread, tells their other devices — in the background (`hintUser`): the
 * page or answer that read the room does not wait on Ably. Throws only when
 * KV fails.
 */
export async function clearUnread(
  kv: Deno.Kv,
  publisher: Publisher,
  userId: string,
  roomId: string,
): Promise<void> {
  if (!await markRead(kv, userId, roomId)) return;
  const data: UnreadNotice = { roomId, read: true };
  publisher.hintUser(userId, UNREAD_NAME, data);
}
