/**
 * `GET /presence?channels=a,b,c` — batch presence (spec RSC24): the current
 * members of up to 100 channels in one request. The counterpart is ably-js
 * `Rest.batchPresence`, which sends the names joined by commas and returns
 * the decoded body as it comes.
 *
 * With protocol version 2 and later (ably-js 2 sends `X-Ably-Version: 6`)
 * Ably answers 200 with a BatchResult (BAR2: `successCount`,
 * `failureCount`, `results` in request order), each result either
 * `{ channel, presence }` (BGR2) or `{ channel, error }` (BGF2). A channel
 * the credentials may not read fails alone, 40160; only a request that
 * cannot be attempted at all (no credentials, no channels, too many) is an
 * error answer.
 *
 * Reading a channel's members takes `subscribe`, as `GET
 * /channels/{name}/presence` does here (presence.ts): Ably's `presence`
 * operation is for entering, `subscribe` for seeing who is there.
 */

import type { Grant } from "../auth/mod.ts";
import { Errors } from "../core/mod.ts";
import type { RestContext } from "./context.ts";
import { batchResult, json, MAX_BATCH_CHANNELS, perChannel } from "./http.ts";
import { currentMembers } from "./presence.ts";

/** RSC24: the members of each channel named in `channels`. */
export function batchPresence(
  url: URL,
  ctx: RestContext,
  grant: Grant,
  origin: string | null,
): Response {
  const names = channelList(url.searchParams);
  const results = names.map((channel) =>
    perChannel(channel, (name) => ({
      channel,
      presence: currentMembers(ctx, grant, name),
    }))
  );
  return json(batchResult(results), 200, origin);
}

/**
 * The channel names of `channels`, split on `separator` (`,` unless given,
 * so a name with a comma can still be asked for); 40000 when there are none
 * or more than 100 distinct ones.
 */
function channelList(q: URLSearchParams): string[] {
  const raw = q.get("channels");
  if (raw === null || raw === "") {
    throw Errors.badRequest("channels is required");
  }
  const separator = q.get("separator") || ",";
  const names = raw.split(separator);
  if (new Set(names).size > MAX_BATCH_CHANNELS) {
    throw Errors.badRequest(
      `A batch request may address at most ${MAX_BATCH_CHANNELS} channels`,
    );
  }
  return names;
}
