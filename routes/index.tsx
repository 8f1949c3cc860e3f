/**
 * `GET /`: the live room.
 *
 * Signed out: what the room is, and a way to sign in; no island, so no
 * JavaScript, no token request and no connection. Signed in: the room's
 * recent messages from Ably history (`lib/room/history.ts`, bounded by a
 * short timeout so a slow Ably never holds the page) rendered into the
 * `LiveRoom` island, which then goes live in the browser.
 */
import type { Handlers, PageProps } from "$fresh/server.ts";
import LiveRoom from "../islands/LiveRoom.tsx";
import { ROOM_CHANNEL } from "../lib/ably/mod.ts";
import { recentMessages } from "../lib/room/history.ts";
import { type RoomSetup, roomSetup } from "../lib/room/setup.ts";
import type { State } from "../lib/app/state.ts";

export const handler: Handlers<
  RoomSetup | null,
  Pick<State, "user" | "ably">
> = {
  async GET(_req, ctx) {
    const { user } = ctx.state;
    if (!user) return ctx.render(null);
    const { ably } = ctx.state;
    const history = await recentMessages(ably.tokens.rest, ROOM_CHANNEL);
    return ctx.render(roomSetup(user, ably.browserOptions, history));
  },
};

export default function Home({ data }: PageProps<RoomSetup | null, State>) {
  if (!data) {
    return (
      <main>
        <h1>live</h1>
        <p>
          One shared room where messages arrive the moment they are sent, and
          you can see who else is here.
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
  return (
    <main>
      <header class="top">
        <h1>live</h1>
        <p>
          Signed in as <strong class="user-login">{data.user.login}</strong>
          {" · "}
          <a href="/auth/signout">Sign out</a>
        </p>
      </header>
      <LiveRoom {...data} />
    </main>
  );
}
