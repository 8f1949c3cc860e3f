/**
 * How a live notice of an invitation reaches the invitations island on
 * `/`: the room's connection (`live.ts`), which holds the visitor's own
 * channel, dispatches `INVITATION_EVENT` on `window` when the server
 * publishes `INVITATION_NAME` there, and the island answers by asking
 * `GET /api/invitations` (`fetchInvitations`). One connection per page, and
 * nothing shown comes from the message itself.
 */
import { API_PATHS, type InvitationJson } from "../contract/mod.ts";

/** The `window` event that says "your invitations changed". */
export const INVITATION_EVENT = "live:invitation";

/** The visitor's open invitations, as the server lists them. */
export async function fetchInvitations(): Promise<InvitationJson[]> {
  const res = await fetch(API_PATHS.invitations);
  if (!res.ok) throw new Error(`The server answered ${res.status}.`);
  return (await res.json()).invitations;
}
