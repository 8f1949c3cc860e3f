/**
 * `GET /channels/{name}/presence` (spec RSP3 current members, filtered by
 * `clientId` / `connectionId`) and `GET /channels/{name}/presence/history`
 * (RSP4 presence history, RTP12 its realtime form; `from_serial` for
 * `untilAttach`, RTL10b). The counterpart is ably-js `RestPresence` and
 * `RealtimePresence.history`.
 */

import { type Grant, operationsFor } from "../auth/mod.ts";
import { type ChannelName, Errors, type PresenceMember } from "../core/mod.ts";
import { historyPage, historyQuery, json, limitParam } from "./http.ts";
import type { RestContext } from "./context.ts";

/** RSP3: current members, filtered by `clientId` / `connectionId`. */
export function presence(
  url: URL,
  ctx: RestContext,
  grant: Grant,
  name: ChannelName,
  origin: string | null,
): Response {
  const q = url.searchParams;
  const limit = limitParam(q);
  const clientId = q.get("clientId");
  const connectionId = q.get("connectionId");
  const members = currentMembers(ctx, grant, name)
    .filter(
      (m) =>
        (clientId === null || m.clientId === clientId) &&
        (connectionId === null || m.connectionId === connectionId),
    );
  return json(members.slice(0, limit), 200, origin);
}

/**
 * The members of `name` now, for credentials that may read them: that takes
 * `subscribe` (Ably's `presence` operation is for entering).
 *
 * @throws 40160 without the right.
 */
export function currentMembers(
  ctx: RestContext,
  grant: Grant,
  name: ChannelName,
): PresenceMember[] {
  if (!operationsFor(grant.capability, name.base).has("subscribe")) {
    throw Errors.notPermitted("Unable to read presence: permission denied");
  }
  return ctx.channels.find(name.base)?.presence.snapshot() ?? [];
}

/** RSP4: enter/update/leave events, newest first by default. */
export function presenceHistory(
  url: URL,
  ctx: RestContext,
  grant: Grant,
  name: ChannelName,
  origin: string | null,
): Response {
  if (!operationsFor(grant.capability, name.base).has("history")) {
    throw Errors.notPermitted(
      "Unable to read presence history: permission denied",
    );
  }
  const query = historyQuery(url.searchParams);
  const page = ctx.channels.find(name.base)?.presenceHistory.page(query) ??
    { items: [] };
  return historyPage("history", query, page, origin);
}
