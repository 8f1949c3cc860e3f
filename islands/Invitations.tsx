/**
 * The invitations island on `/`: the visitor's open invitations
 * (`InvitationJson`, from `homePage`, `lib/room_page/page.ts`), rendered on
 * the server as plain Join · Decline forms that work without JavaScript.
 * After hydration it listens for `INVITATION_EVENT`, which the lobby's
 * connection dispatches when the server tells the visitor of a new
 * invitation on their own channel, and then shows the server's list
 * (`GET /api/invitations`) without a reload. It opens no connection of its
 * own.
 */
import { useEffect, useState } from "preact/hooks";
import type { InvitationJson } from "../lib/contract/mod.ts";
import {
  fetchInvitations,
  INVITATION_EVENT,
  InvitationList,
} from "../lib/room_client/mod.ts";

export default function Invitations(
  { invitations }: { invitations: InvitationJson[] },
) {
  const [shown, show] = useState(invitations);
  useEffect(() => {
    // A failed refresh keeps what is shown; the next notice tries again.
    const refresh = () => fetchInvitations().then(show, () => {});
    addEventListener(INVITATION_EVENT, refresh);
    return () => removeEventListener(INVITATION_EVENT, refresh);
  }, []);
  return <InvitationList invitations={shown} />;
}
