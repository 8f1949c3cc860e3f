/**
 * `POST /messages`: batch publish (spec RSC22, BSP, BPR, BPF), one request
 * that publishes messages on many channels. The body is one
 * `BatchPublishSpec` — `{ channels, messages }`, each a name or a message,
 * or an array of them — or an array of specs; at most `MAX_BATCH_CHANNELS`
 * channels in all.
 *
 * Each channel is published on as `POST /channels/{name}/messages` would
 * (`publishToChannel`: capability `publish` per channel, RSL1m clientIds,
 * size, RSL1k idempotent ids), and fails alone: a refused channel is a
 * `BatchPublishFailureResult` (`{ channel, error }`), the others are
 * published. The answer depends on the API version the client sends
 * (`X-Ably-Version`, RSC7a):
 *
 * - 2 and later (ably-js 2.x): `201`, a `BatchResult` per spec —
 *   `{ successCount, failureCount, results }` — an array for an array body,
 *   the one result for a single spec; partial failures are inside it.
 * - before 2: `201` with the per-channel results of every spec, or, if any
 *   channel failed, `400` 40020 with them as `batchResponse` (Ably's answer
 *   to a batch with errors then; http.ts `legacyBatchResponse`, shared with
 *   `revokeTokens` in keys.ts).
 *
 * A malformed spec fails the whole request (40000). The counterpart is
 * ably-js `Rest.batchPublish`.
 */

import type { Grant } from "../auth/mod.ts";
import { Errors } from "../core/mod.ts";
import {
  apiVersion,
  BATCH_RESULT_VERSION,
  type BatchResult,
  batchResult,
  type ChannelFailure,
  json,
  legacyBatchResponse,
  MAX_BATCH_CHANNELS,
  perChannel,
  readJson,
} from "./http.ts";
import {
  checkPublishable,
  type PublishResult,
  publishToChannel,
} from "./messages.ts";
import type { RestContext } from "./context.ts";

/** One channel's outcome: published (BPR) or refused (BPF). */
export type ChannelResult = PublishResult | ChannelFailure;

interface Spec {
  channels: string[];
  messages: unknown[];
}

/** RSC22: publishes every spec of the body; see the module comment. */
export async function batchPublish(
  req: Request,
  ctx: RestContext,
  grant: Grant,
  origin: string | null,
): Promise<Response> {
  const body = await readJson(req);
  const single = !Array.isArray(body);
  const specs = (single ? [body] : body as unknown[]).map(readSpec);
  const channels = specs.reduce((n, spec) => n + spec.channels.length, 0);
  if (channels > MAX_BATCH_CHANNELS) {
    throw Errors.badRequest(
      `A batch publish names at most ${MAX_BATCH_CHANNELS} channels (${channels} given)`,
    );
  }
  const results = specs.map((spec) => publishSpec(ctx, grant, spec));
  if (apiVersion(req) >= BATCH_RESULT_VERSION) {
    return json(single ? results[0] : results, 201, origin);
  }
  return legacyBatchResponse(results.flatMap((r) => r.results), 201, origin);
}

/** BSP2: `channels` and `messages`, each one or a non-empty array. */
function readSpec(raw: unknown): Spec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw Errors.badRequest("A batch spec must be an object");
  }
  const { channels, messages } = raw as Record<string, unknown>;
  const names = Array.isArray(channels) ? channels : [channels];
  if (
    names.length === 0 || !names.every((n) => typeof n === "string" && n)
  ) {
    throw Errors.badRequest("A batch spec needs channels: names of channels");
  }
  const list = Array.isArray(messages) ? messages : [messages];
  if (
    list.length === 0 ||
    !list.every((m) => typeof m === "object" && m !== null)
  ) {
    throw Errors.badRequest("A batch spec needs messages: message objects");
  }
  return { channels: names as string[], messages: list };
}

/** Publishes one spec's messages on each of its channels, each alone. */
function publishSpec(
  ctx: RestContext,
  grant: Grant,
  spec: Spec,
): BatchResult<ChannelResult> {
  return batchResult(
    spec.channels.map((channel) =>
      perChannel(channel, (name) => {
        checkPublishable(grant, name);
        return publishToChannel(ctx, grant, name, spec.messages);
      })
    ),
  );
}
