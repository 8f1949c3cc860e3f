/**
 * Getting a posted message, and each later version of it (an edit, the
 * delete: `message_changes.ts`), to the room's subscribers: right away
 * after the commit (`sendMessage`, `sendEdit`, `sendDelete`), and again from
 * the outbox if that did not happen (`publishJobHandler`, registered with
 * `startOutbox` for kind "publish"), which publishes the current state.
 *
 * The inline publish is the fast path; the outbox is the safety net that
 * makes a message stored in KV reach Ably eventually, from whichever
 * instance finds its job due. Both publish a version with the
 * same Ably message id (`lib/rooms/publish_message.ts`), so the two never
 * deliver one version twice. Storage is `messages.ts`. Once a message is
 * published, the room's other members hear of it (`unread_notices.ts`).
 */
import type * as Ably from "ably";
import { publishMessage } from "./publish_message.ts";
import {
  getLogger,
  instruments,
  SPAN,
  withDeadline,
  withSpan,
} from "../platform/mod.ts";
import { completeJob, type ScheduledJob } from "../outbox/mod.ts";
import {
  type ChangeOptions,
  type ChangeResult,
  type DeleteInput,
  deleteMessage,
  type EditInput,
  editMessage,
} from "./message_changes.ts";
import {
  type ChatMessage,
  getMessage,
  type PostInput,
  postMessage,
  type PostResult,
  type PublishJob,
} from "./messages.ts";
import { announceUnread, readOwnPost } from "./unread_notices.ts";

const logger = getLogger(["live", "chat"]);

/**
 * How long a send waits for the inline publish. The request that posted the
 * message should not hang on a slow Ably: past this, the outbox publishes.
 */
export const INLINE_PUBLISH_TIMEOUT_MS = 2_000;

/** What `sendMessage` did. */
export interface SendResult extends PostResult {
  /**
   * Whether the message was published inline. `false` for a repeated send
   * (the first one's publish job handles it) and when Ably failed (the
   * outbox retries); either way the message is stored.
   */
  published: boolean;
}

/**
 * Stores a message (`postMessage`), publishes it, and marks its outbox job
 * done. Fails only when storing fails: a failed publish is logged and left to
 * the outbox.
 *
 * @throws {ChatError} as `postMessage`.
 * @example
 * ```ts
 * import type * as Ably from "ably";
 * import type { RoomAccess } from "./policy.ts";
 * declare const kv: Deno.Kv;
 * declare const rest: Ably.Rest;
 * declare const access: RoomAccess;
 * const user = { id: access.userId, name: "Alice" };
 * const { message, created } = await sendMessage(kv, rest, {
 *   access,
 *   user,
 *   text: "hello",
 *   clientMessageId: "send-0001",
 * });
 * ```
 */
export async function sendMessage(
  kv: Deno.Kv,
  rest: Ably.Rest,
  input: PostInput,
  options: SendOptions = {},
): Promise<SendResult> {
  // The outbox job is scheduled inside this span: a retried publish links
  // back to it, and so to the request that posted the message.
  const result = await withSpan(SPAN.messageStore, async (span) => {
    const stored = await postMessage(kv, input, options);
    span?.setAttribute("live.room.id", stored.message.roomId);
    span?.setAttribute("live.message.created", stored.created);
    if (stored.created) instruments.messagesStored.add(1);
    return stored;
  });
  // A repeat has no job: the first send's covers it, and a re-publish
  // after Ably's idempotency window would be a duplicate.
  const [sent] = await Promise.all([
    publishInline(kv, rest, result, options),
    result.created ? readOwnPost(kv, result.message) : undefined,
  ]);
  return sent;
}

/** What `sendEdit` and `sendDelete` did. */
export interface ChangeSent extends ChangeResult {
  /**
   * Whether the new version was published inline; `false` when nothing
   * changed or Ably failed (the outbox retries). Either way it is stored.
   */
  published: boolean;
}

/** Options of the sends: storing, and the inline attempt. */
export interface SendOptions extends ChangeOptions {
  inlineTimeoutMs?: number;
  /**
   * Told of the publish job when the inline publish did not happen, so
   * this instance retries it when it falls due (`Outbox.wake`).
   */
  retry?: (job: ScheduledJob) => void;
}

/**
 * Edits a message (`editMessage`) and publishes its new version as
 * `sendMessage` publishes a post.
 *
 * @throws {ChatError} as `editMessage`.
 * @example
 * ```ts
 * import type * as Ably from "ably";
 * import type { RoomAccess } from "./policy.ts";
 * declare const kv: Deno.Kv;
 * declare const rest: Ably.Rest;
 * declare const access: RoomAccess;
 * const { message } = await sendEdit(kv, rest, {
 *   access,
 *   user: { id: access.userId },
 *   messageId: "01JABCDEFGHJKMNPQRSTVWXYZ0",
 *   text: "hello, corrected",
 * });
 * ```
 */
export async function sendEdit(
  kv: Deno.Kv,
  rest: Ably.Rest,
  input: EditInput,
  options: SendOptions = {},
): Promise<ChangeSent> {
  return await publishInline(
    kv,
    rest,
    await editMessage(kv, input, options),
    options,
  );
}

/**
 * Deletes a message (`deleteMessage`) and publishes its tombstone as
 * `sendMessage` publishes a post.
 *
 * @throws {ChatError} as `deleteMessage`.
 * @example
 * ```ts
 * import type * as Ably from "ably";
 * import type { RoomAccess } from "./policy.ts";
 * declare const kv: Deno.Kv;
 * declare const rest: Ably.Rest;
 * declare const access: RoomAccess;
 * await sendDelete(kv, rest, {
 *   access,
 *   user: { id: access.userId },
 *   messageId: "01JABCDEFGHJKMNPQRSTVWXYZ0",
 * });
 * ```
 */
export async function sendDelete(
  kv: Deno.Kv,
  rest: Ably.Rest,
  input: DeleteInput,
  options: SendOptions = {},
): Promise<ChangeSent> {
  return await publishInline(
    kv,
    rest,
    await deleteMessage(kv, input, options),
    options,
  );
}

/**
 * Publishes the state a post or a change just committed with its `job`,
 * and completes the job; when Ably fails or is slower than the deadline,
 * leaves the job to the outbox (`retry`). No job, nothing changed: nothing
 * to publish. The one inline path of `sendMessage`, `sendEdit` and
 * `sendDelete`.
 */
async function publishInline<
  R extends { message: ChatMessage; job: ScheduledJob | null },
>(
  kv: Deno.Kv,
  rest: Ably.Rest,
  result: R,
  options: SendOptions,
): Promise<R & { published: boolean }> {
  const { message, job } = result;
  if (job === null) return { ...result, published: false };
  const timeoutMs = options.inlineTimeoutMs ?? INLINE_PUBLISH_TIMEOUT_MS;
  try {
    // A publish still under way when the time is up may yet succeed: the
    // outbox's later publish has the same message id and is then dropped.
    await withSpan(SPAN.messagePublish, (span) => {
      span?.setAttribute("live.publish.path", "inline");
      span?.setAttribute("live.room.id", message.roomId);
      return withDeadline(
        publishMessage(rest, message),
        timeoutMs,
        "Ably publish",
      );
    });
    instruments.messagesPublished.add(1, INLINE);
    await announceUnread(kv, rest, message);
  } catch (error) {
    logger.warn(
      "publishing message {messageId} failed; the outbox retries: {reason}",
      {
        messageId: message.id,
        roomId: message.roomId,
        reason: (error as Error)?.message ?? String(error),
      },
    );
    options.retry?.(job);
    return { ...result, published: false };
  }
  try {
    await completeJob(kv, job);
  } catch (error) {
    // Harmless: the job re-publishes with the same id, which Ably drops.
    logger.warn("could not mark message {messageId} published: {reason}", {
      messageId: message.id,
      reason: (error as Error)?.message ?? String(error),
    });
  }
  return { ...result, published: true };
}

/**
 * The outbox handler for `{ kind: "publish" }`: publishes the message as
 * stored now — a late job of an older version publishes the newest one,
 * under that version's Ably id, so it is dropped if already delivered; a
 * message gone with its room needs nothing. Throws when Ably
 * fails, so the outbox retries.
 */
export function publishJobHandler(
  kv: Deno.Kv,
  rest: Ably.Rest,
): (job: PublishJob) => Promise<void> {
  return async (job) => {
    // The inline publish did not complete this job: this is a retry.
    instruments.messagesRetried.add(1);
    const message = await getMessage(kv, job.roomId, job.messageId);
    if (message === null) return;
    await withSpan(SPAN.messagePublish, (span) => {
      span?.setAttribute("live.publish.path", "outbox");
      span?.setAttribute("live.room.id", message.roomId);
      return publishMessage(rest, message);
    });
    instruments.messagesPublished.add(1, OUTBOX);
    await announceUnread(kv, rest, message);
  };
}

const INLINE = { "live.publish.path": "inline" } as const;
const OUTBOX = { "live.publish.path": "outbox" } as const;

/**
 * Counts a publish job the outbox gave up (`OutboxOptions.onGiveUp`): a
 * message stored that never reached its room live.
 */
export function countGivenUp(job: { kind: string }): void {
  if (job.kind === "publish") instruments.messagesGivenUp.add(1);
}
