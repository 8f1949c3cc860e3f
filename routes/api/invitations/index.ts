/**
 * `GET /api/invitations`: the caller's open invitations, newest first —
 * `200 {"invitations": [{roomId, roomName, invitedBy, inviterName,
 * createdAt, expiresAt}]}`, the names as the server knows them
 * (`listInvitations`); `401` without a session. Answering one is
 * `/api/invitations/<roomId>`.
 */
import type { Handlers } from "$fresh/server.ts";
import type { State } from "../../../lib/app/mod.ts";
import { invitationJson, listInvitations } from "../../../lib/rooms/mod.ts";
import { jsonResponse } from "../../../lib/http/mod.ts";

export const handler: Handlers<unknown, Pick<State, "api" | "kv">> = {
  async GET(_req, ctx) {
    const { api, kv } = ctx.state;
    const { user } = await api.session();
    const invitations = await listInvitations(kv, user);
    return jsonResponse(200, { invitations: invitations.map(invitationJson) });
  },
};
