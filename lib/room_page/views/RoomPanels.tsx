/**
 * The server-rendered parts of the room pages around the island — the
 * visitor's invitations and the list of rooms with the create form (on
 * `/`), and the owner's members panel (on `/rooms/<id>`). Plain HTML forms posting to the page routes
 * (`lib/room_page/forms.ts`): they work without JavaScript, and the CSP's
 * `form-action 'self'` lets them.
 */
import type { InvitationJson } from "../../contract/mod.ts";
import type { Room } from "../../rooms/mod.ts";
import type { InviteeView, MemberView } from "../page.ts";

/**
 * The visitor's open invitations: "alice invited you to Design review —
 * Join · Decline", each a form posting to `/invitations/<roomId>`. Hidden
 * while there are none; the room's connection refreshes it live when a new
 * one arrives (`lib/room_client/panels.ts`, which takes this markup from
 * the server again).
 */
export function InvitationsPanel(
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

/**
 * The visitor's rooms, each a link to its page with how many are in it now
 * ("3 here", absent when unknown) and, beside each room they are a member
 * of, `UnreadCount`; and a form to make one.
 */
export function RoomsPanel(
  { rooms, occupancy = new Map(), unread = {} }: {
    rooms: Room[];
    occupancy?: ReadonlyMap<string, number>;
    /** Unread messages by room id, for the member rooms (`unreadCounts`). */
    unread?: Readonly<Record<string, number>>;
  },
) {
  return (
    <section class="rooms" aria-labelledby="rooms-title">
      <h2 id="rooms-title">Rooms</h2>
      <ul class="room-list">
        {rooms.map((room) => (
          <li key={room.id} data-room={room.id}>
            <a href={`/rooms/${room.id}`}>{room.name}</a>
            {room.private && <span class="tag">private</span>}
            {occupancy.has(room.id) && (
              <span class="occupancy" data-count={occupancy.get(room.id)}>
                {occupancy.get(room.id)} here
              </span>
            )}
            {room.id in unread && <UnreadCount count={unread[room.id]} />}
          </li>
        ))}
      </ul>
      <form class="create-room" method="post" action="/rooms">
        <label for="room-name">New room</label>
        <input
          id="room-name"
          name="name"
          required
          maxLength={60}
          autocomplete="off"
          placeholder="Name"
        />
        <label class="check">
          <input type="checkbox" name="private" /> Private
        </label>
        <button type="submit">Create</button>
      </form>
    </section>
  );
}

/**
 * `<span class="unread" data-count="3" aria-label="3 unread">3</span>`,
 * hidden at 0; there for every member room, so the room's connection can
 * count it up and clear it live (`lib/room_client/unread.ts`, which writes
 * the same attributes).
 */
export function UnreadCount({ count }: { count: number }) {
  return (
    <span
      class="unread"
      data-count={count}
      aria-label={`${count} unread`}
      hidden={count === 0}
    >
      {count}
    </span>
  );
}

/**
 * The owner's panel: the members, the invitations not yet answered (each
 * with Withdraw), invite by login, remove, delete the room.
 */
export function MembersPanel(
  { roomId, members, invitees }: {
    roomId: string;
    members: MemberView[];
    invitees: InviteeView[];
  },
) {
  const action = `/rooms/${roomId}`;
  return (
    <section class="manage" aria-labelledby="manage-title">
      <h2 id="manage-title">Members ({members.length})</h2>
      <ul class="member-admin">
        {members.map((m) => (
          <li key={m.id} data-user={m.id}>
            <span class="member-name" title={m.id}>{m.name}</span>
            {m.owner
              ? <span class="tag">owner</span>
              : (
                <form method="post" action={action}>
                  <input type="hidden" name="action" value="remove" />
                  <input type="hidden" name="userId" value={m.id} />
                  <button type="submit" aria-label={`Remove ${m.name}`}>
                    Remove
                  </button>
                </form>
              )}
          </li>
        ))}
      </ul>
      {invitees.length > 0 && (
        <>
          <h3>Invited, not yet joined</h3>
          <ul class="invitee-admin">
            {invitees.map((i) => (
              <li key={i.userId} data-user={i.userId}>
                <span class="member-name" title={i.userId}>{i.name}</span>
                <form method="post" action={action}>
                  <input type="hidden" name="action" value="withdraw" />
                  <input type="hidden" name="userId" value={i.userId} />
                  <button
                    type="submit"
                    aria-label={`Withdraw ${i.name}'s invitation`}
                  >
                    Withdraw
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </>
      )}
      <form class="invite" method="post" action={action}>
        <input type="hidden" name="action" value="invite" />
        <label for="invite-login">Invite by login</label>
        <input
          id="invite-login"
          name="login"
          required
          maxLength={100}
          autocomplete="off"
        />
        <button type="submit">Invite</button>
      </form>
      <form class="delete-room" method="post" action={action}>
        <input type="hidden" name="action" value="delete" />
        <button type="submit" class="danger">Delete this room</button>
      </form>
    </section>
  );
}
