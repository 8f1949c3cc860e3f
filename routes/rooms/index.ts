/**
 * `/rooms`: the create-room form of the home page posts here (it works
 * without JavaScript). `Origin` must be this site's (else 403); signed out,
 * a 303 to sign in; then `createRoomFromForm` and a 303 to the new room's
 * page (or back to `/` with an error code). `GET` goes to `/`, where the
 * rooms are listed.
 */
import type { Handlers } from "$fresh/server.ts";
import type { State } from "../../lib/app/mod.ts";
import { signInPath } from "../../lib/auth/mod.ts";
import { BodyError, isSameOrigin, readFormBody } from "../../lib/http/mod.ts";
import { createRoomFromForm } from "../../lib/room_page/mod.ts";

const seeOther = (location: string) =>
  new Response(null, { status: 303, headers: { location } });

export const handler: Handlers<
  unknown,
  Pick<State, "user" | "kv" | "config" | "limits">
> = {
  GET() {
    return seeOther("/");
  },
  async POST(req, ctx) {
    const { user, kv, config, limits } = ctx.state;
    if (!isSameOrigin(req, config)) {
      await req.body?.cancel();
      return new Response(
        "Forbidden: the form did not come from this site.",
        { status: 403 },
      );
    }
    if (!user) return seeOther(signInPath("/"));
    if (!(await limits.memberChanges.hit(user.id)).allowed) {
      await req.body?.cancel();
      return seeOther("/?error=busy");
    }
    try {
      return seeOther(
        await createRoomFromForm(kv, user, await readFormBody(req)),
      );
    } catch (error) {
      if (error instanceof BodyError) {
        return new Response(error.message, { status: error.status });
      }
      throw error;
    }
  },
};
