/**
 * The live side of the invitations panel on `/` (the panel itself is
 * server-rendered HTML, `InvitationsPanel` in
 * `lib/room_page/views/RoomPanels.tsx`: Join · Decline forms that work
 * without JavaScript). When the server tells the visitor of an invitation on
 * their own channel, the room's connection (`live.ts`) calls
 * `showInvitations`, which asks the server for the page again and swaps in
 * its panel: one view renders the markup, and its names are the server's.
 * It lives in the connection's lazily loaded chunk, not in an island, so the
 * JavaScript the first paint waits for is unchanged; a notice is rare, so
 * one page render per notice costs little. Pages without the panel ignore
 * it.
 */

const PANEL = "section.invitations";

/** Replaces the page's invitations panel with the server's current one. */
export async function showInvitations(): Promise<void> {
  const panel = document.querySelector(PANEL);
  const res = panel && await fetch(location.pathname).catch(() => null);
  // A failed refresh keeps what is shown; the next notice tries again.
  if (!res?.ok) return;
  // A parsed document runs no scripts; only the panel is taken from it.
  const fresh = new DOMParser().parseFromString(await res.text(), "text/html")
    .querySelector(PANEL);
  if (fresh) panel!.replaceWith(fresh);
}
