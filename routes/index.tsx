/**
 * `GET /`: the home page.
 *
 * Signed out: what the app is, and a way to sign in; no island, so no
 * JavaScript, no token request and no connection. Signed in: the lobby —
 * its last messages from KV rendered into the `LiveRoom` island, which then
 * goes live in the browser —, the visitor's open invitations
 * (`InvitationsPanel`: Join · Decline forms; the lobby's connection shows
 * new ones live) and the rooms the visitor can see with a form to
 * create one (`RoomsPanel`, with how many are in each now: Ably's batch
 * presence, `roomOccupancy`, given a short deadline and left out when Ably
 * does not answer); all read by `homePage`, `lib/room_page/page.ts`.
 */
import type { Handlers, PageProps } from "$fresh/server.ts";
import LiveRoom from "../islands/LiveRoom.tsx";
import type { State } from "../lib/app/mod.ts";
import { roomOccupancy } from "../lib/ably/mod.ts";
import {
  FORM_ERRORS,
  FORM_NOTICES,
  formError,
  formNotice,
  type HomePage,
  homePage,
  InvitationsPanel,
  RoomsPanel,
} from "../lib/room_page/mod.ts";

interface Data {
  home: HomePage;
  error: keyof typeof FORM_ERRORS | null;
  notice: keyof typeof FORM_NOTICES | null;
}

export const handler: Handlers<
  Data | null,
  Pick<State, "user" | "ably" | "kv">
> = {
  async GET(_req, ctx) {
    const { user, kv, ably } = ctx.state;
    if (!user) return ctx.render(null);
    const home = await homePage(
      kv,
      user,
      ably.browserOptions,
      (roomIds) => roomOccupancy(ably.tokens.rest, roomIds),
    );
    return ctx.render({
      home,
      error: formError(ctx.url),
      notice: formNotice(ctx.url),
    });
  },
};

export default function Home({ data, state }: PageProps<Data | null, State>) {
  if (!data) {
    return (
      <main>
        <h1>live</h1>
        <p>
          Rooms where messages arrive the moment they are sent, and you can see
          who else is here: a lobby for everyone, and rooms of your own, public
          or private.
        </p>
        <p>
          <a class="button" href="/auth/signin">Sign in</a> to read and join in.
        </p>
        <p>
          <a href="/about">About</a>
        </p>
      </main>
    );
  }
  const { home, error, notice } = data;
  return (
    <main>
      <header class="top">
        <h1>live</h1>
        <p>
          Signed in as <strong class="user-login">{state.user?.login}</strong>
          {" · "}
          <a href="/auth/signout">Sign out</a>
        </p>
      </header>
      {error && <p class="form-error" role="alert">{FORM_ERRORS[error]}</p>}
      {notice && <p class="form-notice" role="status">{FORM_NOTICES[notice]}
      </p>}
      <LiveRoom {...home.lobby.setup} />
      <InvitationsPanel invitations={home.invitations} />
      <RoomsPanel
        rooms={home.rooms}
        occupancy={home.occupancy}
        unread={home.unread}
      />
    </main>
  );
}
