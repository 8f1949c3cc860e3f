/**
 * `/api/rooms/<id>/members`: who is in a room, and inviting by login.
 *
 * - `GET`: `200 {"members": [{id, name}]}` for a room the caller may read;
 *   `404` alike for a room unknown or unseen.
 * - `POST {"login"}`: the owner adds the user who signed in here with that
 *   login (at the owner's provider): `201 {"userId"}`, or `200` when they
 *   were a member already. `404` with the reason for an unknown login (or
 *   room), `403` for a member who is not the owner (and from another
 *   origin), `409` for a full room; `401`, `415`, `413`, `400` as every
 *   state change.
 *
 * A malformed room id is `404` before KV is read.
 */
import type { Handlers } from "$fresh/server.ts";
import { errorResponse, type State } from "../../../../../lib/app/mod.ts";
import {
  displayNames,
  inviteByLogin,
  isRoomId,
  listMembers,
} from "../../../../../lib/rooms/mod.ts";
import {
  apiSession,
  jsonResponse,
  readJsonBody,
  stateChangeSession,
  unauthorized,
} from "../../../../../lib/http/mod.ts";

const notFound = () => jsonResponse(404, { error: "No such room." });

export const handler: Handlers<
  unknown,
  Pick<State, "auth" | "kv" | "config">
> = {
  async GET(req, ctx) {
    try {
      const { auth, kv } = ctx.state;
      const session = await apiSession(req, auth);
      if (session === null) return unauthorized();
      if (!isRoomId(ctx.params.id)) return notFound();
      const ids = await listMembers(kv, session.user, ctx.params.id);
      const names = await displayNames(kv, ids);
      return jsonResponse(200, {
        members: ids.map((id) => ({ id, name: names[id] ?? id })),
      });
    } catch (error) {
      return errorResponse(error, "GET /api/rooms/:id/members");
    }
  },
  async POST(req, ctx) {
    try {
      const { kv } = ctx.state;
      const session = await stateChangeSession(req, ctx.state);
      if (session instanceof Response) return session;
      if (!isRoomId(ctx.params.id)) return notFound();
      const body = await readJsonBody(req);
      if (typeof body.login !== "string") {
        return jsonResponse(400, { error: "Give the login to invite." });
      }
      const { userId, added } = await inviteByLogin(
        kv,
        session.user,
        ctx.params.id,
        body.login.trim(),
      );
      return jsonResponse(added ? 201 : 200, { userId });
    } catch (error) {
      return errorResponse(error, "POST /api/rooms/:id/members");
    }
  },
};
