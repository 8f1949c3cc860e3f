/**
 * `/rooms/<id>`: a room's page.
 *
 * `GET`: signed out, a 303 to sign in and come back. Signed in, the room
 * server-rendered with its last 50 messages from KV in a `LiveRoom` island,
 * which then goes live in the browser (and the room counts as read for a
 * member, `clearUnread`); for the owner, the members panel
 * (invite by login, withdraw an invitation, remove, delete). A malformed id, an unknown room and a
 * private room the visitor is not in all answer the same not-found page.
 *
 * `POST` (the members panel's forms and a message's Delete button, which
 * work without JavaScript): the
 * `Origin` must be this site's (else 403), then `roomFormAction` and a 303
 * back (or to `/` after a delete).
 */
import type { Handlers, PageProps } from "$fresh/server.ts";
import { Head } from "$fresh/runtime.ts";
import LiveRoom from "../../islands/LiveRoom.tsx";
import type { State } from "../../lib/app/mod.ts";
import { signInPath } from "../../lib/auth/mod.ts";
import { clearUnread, isRoomId } from "../../lib/rooms/mod.ts";
import { BodyError, isSameOrigin, readFormBody } from "../../lib/http/mod.ts";
import {
  FORM_ERRORS,
  FORM_NOTICES,
  formError,
  formNotice,
  MembersPanel,
  roomFormAction,
  type RoomPage,
  roomPage,
} from "../../lib/room_page/mod.ts";

interface Data {
  page: RoomPage;
  error: keyof typeof FORM_ERRORS | null;
  notice: keyof typeof FORM_NOTICES | null;
}

const seeOther = (location: string) =>
  new Response(null, { status: 303, headers: { location } });

export const handler: Handlers<
  Data,
  Pick<
    State,
    | "user"
    | "kv"
    | "ably"
    | "config"
    | "revoker"
    | "limits"
    | "invitationNotices"
    | "outbox"
  >
> = {
  async GET(_req, ctx) {
    const { user, kv, ably } = ctx.state;
    if (!isRoomId(ctx.params.id)) return ctx.renderNotFound();
    if (!user) return seeOther(signInPath(`/rooms/${ctx.params.id}`));
    // Opening the room reads it, on every device of this user: read beside
    // the page's own reads (only a member's marker is ever written).
    const [page] = await Promise.all([
      roomPage(kv, user, ctx.params.id, ably.browserOptions),
      clearUnread(kv, ably.publisher, user.id, ctx.params.id),
    ]);
    if (!page) return ctx.renderNotFound();
    return ctx.render({
      page,
      error: formError(ctx.url),
      notice: formNotice(ctx.url),
    });
  },
  async POST(req, ctx) {
    const {
      user,
      kv,
      ably,
      config,
      revoker,
      limits,
      invitationNotices,
      outbox,
    } = ctx.state;
    if (!isSameOrigin(req, config)) {
      await req.body?.cancel();
      return new Response("Forbidden: the form did not come from this site.", {
        status: 403,
      });
    }
    if (!isRoomId(ctx.params.id)) return ctx.renderNotFound();
    if (!user) return seeOther(signInPath(`/rooms/${ctx.params.id}`));
    let form: FormData;
    try {
      form = await readFormBody(req);
    } catch (error) {
      if (error instanceof BodyError) {
        return new Response(error.message, { status: error.status });
      }
      throw error;
    }
    const next = await roomFormAction(
      {
        kv,
        revoker,
        notices: invitationNotices,
        rest: ably.tokens.rest,
        retry: (job) => outbox.wake(job),
      },
      limits,
      user,
      ctx.params.id,
      form,
    );
    return next === null ? ctx.renderNotFound() : seeOther(next);
  },
};

export default function Room({ data, state }: PageProps<Data, State>) {
  const { page, error, notice } = data;
  return (
    <main>
      <Head>
        <title>{page.room.name} · live</title>
      </Head>
      <header class="top">
        <h1>
          <a href="/">live</a> · <span class="room-name">{page.room.name}</span>
        </h1>
        <p>
          Signed in as <strong class="user-login">{state.user?.login}</strong>
          {" · "}
          <a href="/auth/signout">Sign out</a>
        </p>
      </header>
      {error && <p class="form-error" role="alert">{FORM_ERRORS[error]}</p>}
      {notice && <p class="form-notice" role="status">{FORM_NOTICES[notice]}
      </p>}
      <LiveRoom {...page.setup} />
      {page.members && (
        <MembersPanel
          roomId={page.room.id}
          members={page.members}
          invitees={page.invitees ?? []}
        />
      )}
    </main>
  );
}
