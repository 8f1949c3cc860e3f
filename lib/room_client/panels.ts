/**
 * The live side of the server-rendered panels on `/` (`InvitationsPanel` and
 * `RoomsPanel` in `lib/room_page/views/RoomPanels.tsx`: plain HTML forms
 * that work without JavaScript). When the server tells the visitor of an
 * invitation on their own channel, and whenever the connection comes back
 * without continuity (notices may have been missed), the room's connection
 * (`live.ts`) calls `refreshPanels`, which asks the server for the page
 * again and swaps in its panels: one view renders the markup, and its names
 * and counts are the server's. It lives in the connection's lazily loaded
 * chunk, not in an island, so the JavaScript the first paint waits for is
 * unchanged; one page render per notice or reconnect costs little. Pages
 * without the panels ignore it.
 */

/** The invitations panel. */
export const INVITATIONS = "section.invitations";
/**
 * The rooms list with its counts (not the create form beside it, which may
 * hold what the visitor is typing).
 */
export const ROOM_LIST = "ul.room-list";

/** Replaces each of `selectors`' elements of the page with the server's current one. */
export async function refreshPanels(...selectors: string[]): Promise<void> {
  const shown = selectors.map((s) => document.querySelector(s));
  const res = shown.some(Boolean) &&
    await fetch(location.pathname).catch(() => null);
  // A failed refresh keeps what is shown; the next notice tries again.
  if (!res || !res.ok) return;
  // A parsed document runs no scripts; only the panels are taken from it.
  const fresh = new DOMParser().parseFromString(await res.text(), "text/html");
  selectors.forEach((s, i) => {
    const now = fresh.querySelector(s);
    if (now) shown[i]?.replaceWith(now);
  });
}
