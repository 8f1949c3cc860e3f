/**
 * The visitor's open invitations on `/`: "alice invited you to Design
 * review — Join · Decline". Each is a plain form posting to
 * `/invitations/<roomId>` (`routes/invitations/[roomId].ts`), so it works
 * before and without JavaScript; the names are the server's
 * (`InvitationJson`), rendered as text.
 */
import type { InvitationJson } from "../../contract/mod.ts";

export function InvitationList(
  { invitations }: { invitations: readonly InvitationJson[] },
) {
  return (
    <section
      class="invitations"
      aria-labelledby="invitations-title"
      aria-live="polite"
      hidden={invitations.length === 0}
    >
      <h2 id="invitations-title">Invitations</h2>
      <ul class="invitation-list">
        {invitations.map((inv) => (
          <li key={inv.roomId} data-room={inv.roomId}>
            <strong>{inv.inviterName}</strong> invited you to{" "}
            <strong class="invitation-room">{inv.roomName}</strong>
            {" — "}
            <form method="post" action={`/invitations/${inv.roomId}`}>
              <button type="submit" name="action" value="join">Join</button>
              {" · "}
              <button type="submit" name="action" value="decline">
                Decline
              </button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  );
}
