/**
 * `POST /invitations/<roomId>`: the Join · Decline form of an invitation on
 * `/` (it works without JavaScript). `Origin` must be this site's (else
 * 403); signed out, a 303 to sign in; a malformed id, the not-found page.
 * Then `invitationFormAction` and a 303: into the room after joining, to
 * `/` after declining or with an error code. `GET` goes to `/`, where the
 * invitations are listed.
 */
import type { Handlers } from "$fresh/server.ts";
import type { State } from "../../lib/app/mod.ts";
import { signInPath } from "../../lib/auth/mod.ts";
import { isRoomId } from "../../lib/rooms/mod.ts";
import { BodyError, isSameOrigin, readFormBody } from "../../lib/http/mod.ts";
import { invitationFormAction } from "../../lib/room_page/mod.ts";

const seeOther = (location: string) =>
  new Response(null, { status: 303, headers: { location } });

export const handler: Handlers<unknown, Pick<State, "user" | "kv" | "config">> =
  {
    GET() {
      return seeOther("/");
    },
    async POST(req, ctx) {
      const { user, kv, config } = ctx.state;
      if (!isSameOrigin(req, config)) {
        await req.body?.cancel();
        return new Response(
          "Forbidden: the form did not come from this site.",
          { status: 403 },
        );
      }
      if (!isRoomId(ctx.params.roomId)) {
        await req.body?.cancel();
        return ctx.renderNotFound();
      }
      if (!user) return seeOther(signInPath("/"));
      try {
        const form = await readFormBody(req);
        return seeOther(
          await invitationFormAction(kv, user, ctx.params.roomId, form),
        );
      } catch (error) {
        if (error instanceof BodyError) {
          return new Response(error.message, { status: error.status });
        }
        throw error;
      }
    },
  };
