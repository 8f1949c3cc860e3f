/**
 * The live side of the unread counts on `/` (the counts themselves are
 * server-rendered, `UnreadCount` in `lib/room_page/views/RoomPanels.tsx`,
 * read from KV). The room's connection (`live.ts`) hands this the
 * `UNREAD_NAME` notices of the visitor's own channel: one more message in
 * a room, or "read on some device" (`read: true`). It lives in the
 * connection's lazily loaded chunk, not in the island, so the JavaScript
 * the first paint waits for is unchanged. A page that does not list the
 * room (a room's own page lists none) ignores the notice.
 */
import { roomApiPath, type UnreadNotice } from "../contract/mod.ts";

/** Counts `notice.roomId`'s badge up by one, or clears it when read. */
export function showUnread(notice: UnreadNotice, ownRoomId: string): void {
  const badge = notice.roomId !== ownRoomId &&
    document.querySelector<HTMLElement>(
      `li[data-room="${CSS.escape(notice.roomId)}"] .unread`,
    );
  if (!badge) return;
  const count = notice.read ? 0 : +badge.dataset.count! + 1;
  badge.dataset.count = badge.textContent = String(count);
  badge.ariaLabel = `${count} unread`;
  badge.hidden = !count;
}

/**
 * Tells the server the visitor has `roomId` open, so what arrives there
 * meanwhile stays read (`POST /api/rooms/<id>/read`). Best-effort: a
 * failure leaves the count to the next visit of the room.
 */
export function markRoomRead(roomId: string): Promise<unknown> {
  return fetch(`${roomApiPath(roomId)}/read`, { method: "POST" }).catch(
    () => {},
  );
}
