/**
 * A room's messages in KV — the history pages render and the island pages
 * back through — and posting one, exactly once per send:
 *
 * - `["messages", roomId, messageId]` → `ChatMessage`; `messageId` is
 *   ULID-shaped (`ids.ts`), so key order is posting order. An edited or
 *   deleted message stays under its key at its newest version (a deleted
 *   one as a tombstone without text, `message_changes.ts`), and is read and
 *   paged as stored.
 * - `["message_ids", roomId, clientMessageId]` → messageId, kept
 *   `IDEMPOTENCY_TTL_MS`: a send retried with the same client id within that
 *   time is stored once and answered with the first message.
 * - `["message_counts", roomId, "posted" | "trimmed"]` → `Deno.KvU64`: how
 *   many messages the room ever stored and how many `trimMessages` deleted;
 *   their difference is what it holds now.
 *
 * Retention: a room keeps its newest `MAX_ROOM_MESSAGES` messages, however
 * old; each post deletes the oldest beyond that right after its commit, at
 * most `TRIM_BATCH` at a time, so the work per post is bounded and a room
 * over the bound (concurrent posts) comes back to it with the next posts.
 * Paging needs nothing of its own: ids sort in posting order and a cursor is
 * a key bound, not a key that must exist, so a page past the oldest kept is
 * simply the last one (`next: null`).
 *
 * `postMessage` commits the message, its idempotency key and an outbox job
 * `{ kind: "publish" }` (`lib/outbox/`) in one `kv.atomic()` that also
 * checks the room's versionstamp, so a post cannot land in a room deleted
 * meanwhile, nor from a member removed meanwhile. Publishing to Ably is
 * `delivery.ts`. The browser's view of a message is `lib/contract/wire.ts`.
 */
import { type RoomAccess, roomAccess } from "./policy.ts";
import {
  DEFAULT_SCHEDULE,
  type JobSchedule,
  type ScheduledJob,
  scheduleJob,
} from "../outbox/mod.ts";
import { ChatError } from "./errors.ts";
import {
  isClientMessageId,
  isMessageId,
  LOBBY_ID,
  type MessagePage as WireMessagePage,
  newMessageId,
  type RoomMessage,
} from "../contract/mod.ts";
import { roomKey } from "./room_store.ts";
import { checkText } from "./text.ts";

/** A stored message; what a page renders and what is published. */
export interface ChatMessage extends RoomMessage {
  roomId: string;
}

/** The outbox job that publishes a stored message. */
export interface PublishJob {
  kind: "publish";
  roomId: string;
  messageId: string;
}

/** Longest message, in characters, after trimming (as `lib/contract/wire.ts`). */
export const MAX_MESSAGE_LENGTH = 500;
/** How long a client message id is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Largest page of `listMessages`. */
export const MAX_PAGE = 100;
/** Messages a room page renders. */
export const RECENT_MESSAGES = 50;
/**
 * Messages a room (the lobby too) keeps, the newest: a bound on what one room
 * holds in KV whatever its age, and 200 pages of **Load older**.
 */
export const MAX_ROOM_MESSAGES = 10_000;
/** Most messages one post deletes (`trimMessages`); well under an atomic's 1,000 mutations. */
export const TRIM_BATCH = 50;
const ATTEMPTS = 5;

/**
 * How long a message's publish is retried before the outbox gives it up.
 * Longer than the backoff schedule's half-minute: when only the app's way
 * to Ably fails, screens stay connected and would otherwise never see what
 * was posted meanwhile. A re-publish after Ably's two-minute idempotency
 * window may deliver a version twice; screens show each id once, at its
 * highest version. Past this, screens that reconnect still get it from KV.
 */
export const PUBLISH_RETRY_MS = 15 * 60 * 1000;

/** The outbox schedule of a publish job committed at `at`. */
export function publishSchedule(at: number): JobSchedule {
  return { ...DEFAULT_SCHEDULE, retryUntil: at + PUBLISH_RETRY_MS };
}

export function messageKey(roomId: string, messageId: string): Deno.KvKey {
  return ["messages", roomId, messageId];
}

export function countKey(
  roomId: string,
  which: "posted" | "trimmed",
): Deno.KvKey {
  return ["message_counts", roomId, which];
}

export function clientMessageKey(
  roomId: string,
  clientMessageId: string,
): Deno.KvKey {
  return ["message_ids", roomId, clientMessageId];
}

/** What `postMessage` takes. */
export interface PostInput {
  /** The policy's answer for this user and room (`roomAccess`). */
  access: RoomAccess;
  /** The session user; `name` is what the message shows. */
  user: { readonly id: string; readonly name: string };
  text: unknown;
  /** Chosen by the browser per send; 8–64 of `[A-Za-z0-9_-]`. */
  clientMessageId: unknown;
}

/** What `postMessage` did. */
export interface PostResult {
  message: ChatMessage;
  /** `false` when this client message id was posted before. */
  created: boolean;
  /** The publish job of a new message, for `completeJob`; `null` when not created. */
  job: ScheduledJob | null;
}

/**
 * Stores a message once per `clientMessageId`, with its publish job.
 *
 * @throws {ChatError} `invalid_input` (text, client id), `forbidden` (no
 * write right), `not_found` (the room went away, or the user lost access).
 * @example
 * ```ts
 * import { roomAccess } from "./policy.ts";
 * declare const kv: Deno.Kv;
 * const user = { id: "github:42", name: "Alice" };
 * const access = await roomAccess(kv, user, "lobby");
 * if (access) {
 *   await postMessage(kv, {
 *     access,
 *     user,
 *     text: "hello",
 *     clientMessageId: "send-0001",
 *   });
 * }
 * ```
 */
export async function postMessage(
  kv: Deno.Kv,
  input: PostInput,
  options: {
    now?: () => number;
    schedule?: JobSchedule;
    /** Messages the room keeps; `MAX_ROOM_MESSAGES` unless told (tests). */
    keep?: number;
  } = {},
): Promise<PostResult> {
  const now = options.now ?? Date.now;
  const keep = options.keep ?? MAX_ROOM_MESSAGES;
  if (!isClientMessageId(input.clientMessageId)) {
    throw new ChatError(
      "invalid_input",
      "The client message id must be 8 to 64 of A-Z, a-z, 0-9, _ and -.",
    );
  }
  const clientMessageId = input.clientMessageId;
  const text = checkText(input.text, "Message", MAX_MESSAGE_LENGTH);
  const { user } = input;
  let access = input.access;
  if (access.userId !== user.id) {
    throw new Error("postMessage: access was decided for another user");
  }
  const roomId = access.room.id;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (!access.rights.write) {
      throw new ChatError("forbidden", "You may not write in this room.");
    }
    const known = await kv.get<string>(
      clientMessageKey(roomId, clientMessageId),
    );
    if (known.value !== null) {
      const message = await getMessage(kv, roomId, known.value);
      if (message === null) throw new ChatError("not_found", "No such room.");
      return { message, created: false, job: null };
    }
    const at = now();
    const message: ChatMessage = {
      id: newMessageId(at),
      roomId,
      clientId: user.id,
      name: user.name,
      text,
      at,
    };
    const op = kv.atomic()
      .check(known)
      .set(messageKey(roomId, message.id), message)
      .set(clientMessageKey(roomId, clientMessageId), message.id, {
        expireIn: IDEMPOTENCY_TTL_MS,
      });
    await countPost(kv, op, roomId);
    // The lobby is never stored, so there is no versionstamp to check.
    if (roomId !== LOBBY_ID) {
      op.check({ key: roomKey(roomId), versionstamp: access.versionstamp });
    }
    const publish: PublishJob = {
      kind: "publish",
      roomId,
      messageId: message.id,
    };
    const job = scheduleJob(
      op,
      publish,
      options.schedule ?? publishSchedule(at),
      at,
    );
    if ((await op.commit()).ok) {
      await trimMessages(kv, roomId, keep);
      return { message, created: true, job };
    }
    // Someone posted the same client id first, or the room changed: ask the
    // policy again (removed members and deleted rooms end here).
    const again = await roomAccess(kv, user, roomId);
    if (again === null) throw new ChatError("not_found", "No such room.");
    access = again;
  }
  throw new ChatError("conflict", "The room changed meanwhile; try again.");
}

/**
 * Adds the post to the room's count in `op`. A sum, so concurrent posts do
 * not conflict over it; only a room with messages from before the count
 * existed is counted once, in full, its first post checked against a
 * concurrent first post.
 */
async function countPost(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  roomId: string,
): Promise<void> {
  const posted = await kv.get<Deno.KvU64>(countKey(roomId, "posted"));
  if (posted.value === null) {
    let stored = 0n;
    for await (const _ of kv.list({ prefix: ["messages", roomId] })) stored++;
    if (stored > 0n) {
      op.check(posted).set(
        countKey(roomId, "posted"),
        new Deno.KvU64(stored + 1n),
      );
      return;
    }
  }
  op.sum(countKey(roomId, "posted"), 1n);
}

/**
 * Deletes the oldest messages of `roomId` beyond the newest `keep`, at most
 * `TRIM_BATCH` of them, and returns how many. One commit checked against the
 * trimmed count, so concurrent trims never count one deletion twice: the
 * loser deletes nothing, and the next post trims what is left.
 */
export async function trimMessages(
  kv: Deno.Kv,
  roomId: string,
  keep: number = MAX_ROOM_MESSAGES,
): Promise<number> {
  const [posted, trimmed] = await kv.getMany<[Deno.KvU64, Deno.KvU64]>([
    countKey(roomId, "posted"),
    countKey(roomId, "trimmed"),
  ]);
  const done = trimmed.value?.value ?? 0n;
  const excess = (posted.value?.value ?? 0n) - done - BigInt(keep);
  if (excess <= 0n) return 0;
  const keys: Deno.KvKey[] = [];
  for await (
    const entry of kv.list({ prefix: ["messages", roomId] }, {
      limit: Number(excess < BigInt(TRIM_BATCH) ? excess : TRIM_BATCH),
    })
  ) keys.push(entry.key);
  const op = kv.atomic().check(trimmed).set(
    countKey(roomId, "trimmed"),
    new Deno.KvU64(done + BigInt(keys.length)),
  );
  for (const key of keys) op.delete(key);
  return (await op.commit()).ok ? keys.length : 0;
}

/** Message `messageId` of `roomId`, or `null`. */
export async function getMessage(
  kv: Deno.Kv,
  roomId: string,
  messageId: string,
): Promise<ChatMessage | null> {
  if (!isMessageId(messageId)) return null;
  return (await kv.get<ChatMessage>(messageKey(roomId, messageId))).value;
}

/** One page of messages, oldest first. */
/** A page of stored messages; see `MessagePage` in `lib/contract/`. */
export type MessagePage = WireMessagePage<ChatMessage>;

/**
 * The `limit` messages before `before` (or the newest), oldest first.
 *
 * @throws {ChatError} `invalid_input` for a malformed cursor or a limit
 * outside 1–`MAX_PAGE`; `forbidden` without the read right.
 * @example
 * ```ts
 * import type { RoomAccess } from "./policy.ts";
 * declare const kv: Deno.Kv;
 * declare const access: RoomAccess;
 * let page = await listMessages(kv, access, { limit: 20 });
 * if (page.next) {
 *   page = await listMessages(kv, access, { before: page.next, limit: 20 });
 * }
 * ```
 */
export async function listMessages(
  kv: Deno.Kv,
  access: RoomAccess,
  { before, limit = RECENT_MESSAGES }: {
    before?: string | null;
    limit?: number;
  } = {},
): Promise<MessagePage> {
  if (!access.rights.read) {
    throw new ChatError("forbidden", "You may not read this room.");
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new ChatError(
      "invalid_input",
      `The limit must be a whole number from 1 to ${MAX_PAGE}.`,
    );
  }
  const roomId = access.room.id;
  const selector: Deno.KvListSelector = before === undefined || before === null
    ? { prefix: ["messages", roomId] }
    : {
      prefix: ["messages", roomId],
      end: messageKey(roomId, decodeCursor(before)),
    };
  const newestFirst: ChatMessage[] = [];
  for await (
    const entry of kv.list<ChatMessage>(selector, {
      reverse: true,
      limit: limit + 1,
    })
  ) newestFirst.push(entry.value);
  const more = newestFirst.length > limit;
  const messages = newestFirst.slice(0, limit).reverse();
  return {
    messages,
    next: more && messages.length > 0 ? encodeCursor(messages[0].id) : null,
  };
}

/** The newest `limit` messages, oldest first: what a room page renders. */
export async function recentMessages(
  kv: Deno.Kv,
  access: RoomAccess,
  limit: number = RECENT_MESSAGES,
): Promise<ChatMessage[]> {
  return (await listMessages(kv, access, { limit })).messages;
}

/**
 * Deletes every message, idempotency key and count of `roomId` in batches; for a
 * room already deleted, whose messages nobody can reach any more.
 */
export async function purgeRoomMessages(
  kv: Deno.Kv,
  roomId: string,
): Promise<void> {
  for (
    const prefix of [
      ["messages", roomId],
      ["message_ids", roomId],
      ["message_counts", roomId],
    ]
  ) {
    while (true) {
      const keys: Deno.KvKey[] = [];
      for await (const entry of kv.list({ prefix }, { limit: 500 })) {
        keys.push(entry.key);
      }
      if (keys.length === 0) break;
      const op = kv.atomic();
      for (const key of keys) op.delete(key);
      await op.commit();
    }
  }
}

const CURSOR_PREFIX = "m1.";

/** The cursor for the messages older than `messageId`. Opaque to clients. */
export function encodeCursor(messageId: string): string {
  return CURSOR_PREFIX + messageId.toLowerCase();
}

/**
 * The message id a cursor points before.
 *
 * @throws {ChatError} `invalid_input` when `cursor` was not made by `encodeCursor`.
 */
export function decodeCursor(cursor: unknown): string {
  if (typeof cursor === "string" && cursor.startsWith(CURSOR_PREFIX)) {
    const id = cursor.slice(CURSOR_PREFIX.length).toUpperCase();
    if (isMessageId(id)) return id;
  }
  throw new ChatError("invalid_input", "The cursor is malformed.");
}
