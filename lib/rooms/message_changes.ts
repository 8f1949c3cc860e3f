/**
 * Changing a stored message after it was posted: its author edits the text
 * (`editMessage`), its author or a moderator (`Rights.moderate`, the room's
 * owner) deletes it (`deleteMessage`). Posting and the keys are
 * `messages.ts`; publishing the change is `delivery.ts`.
 *
 * A change is the message's new state under its old key, one `version`
 * higher (`RoomMessage` in `lib/contract/wire.ts`): an edit sets `text` and
 * `editedAt`; a delete leaves a tombstone — `text` is `""`, `deletedAt` set,
 * id, author, name and time kept — so paging still shows where it was and
 * no copy of the text survives in KV. A deleted message is never edited
 * again (`not_found`, as for a message that is not there: there is no text
 * left to edit); deleting it again answers the tombstone unchanged.
 *
 * Each change is one `kv.atomic()` checked against the message's and the
 * room's versionstamps (the lobby has none), so it cannot land on a state
 * it did not see, in a room deleted meanwhile or from a member removed
 * meanwhile; on a conflict the policy is asked again. The same commit
 * schedules `{ kind: "publish" }` for the message, the job posting uses: its
 * handler publishes whatever state is current, so jobs of older versions
 * publish the newest one.
 */
import { type RoomAccess, roomAccess } from "./policy.ts";
import {
  type JobSchedule,
  type ScheduledJob,
  scheduleJob,
} from "../outbox/mod.ts";
import { ChatError } from "./errors.ts";
import { isMessageId, LOBBY_ID, type UserRef } from "../contract/mod.ts";
import { roomKey } from "./room_store.ts";
import { checkText } from "./text.ts";
import {
  type ChatMessage,
  MAX_MESSAGE_LENGTH,
  messageKey,
  type PublishJob,
  publishSchedule,
} from "./messages.ts";

const ATTEMPTS = 5;

/** What `editMessage` takes. */
export interface EditInput {
  /** The policy's answer for this user and room (`roomAccess`). */
  access: RoomAccess;
  user: UserRef;
  /** The stored message id, as in the path. */
  messageId: unknown;
  /** The new text; the rules of posting (`checkText`). */
  text: unknown;
}

/** What `deleteMessage` takes. */
export type DeleteInput = Omit<EditInput, "text">;

/** What a change did. */
export interface ChangeResult {
  /** The message as now stored. */
  message: ChatMessage;
  /** The publish job of a new version, for `completeJob`; `null` when nothing changed. */
  job: ScheduledJob | null;
}

/** Options of both changes. */
export interface ChangeOptions {
  now?: () => number;
  schedule?: JobSchedule;
}

/**
 * Sets the text of the user's own message, one version up. The same text
 * again changes nothing (`job: null`).
 *
 * @throws {ChatError} `invalid_input` (text), `not_found` (no such message,
 * a deleted one, the room went away), `forbidden` (another's message, or no
 * write right).
 * @example
 * ```ts
 * import type { RoomAccess } from "./policy.ts";
 * declare const kv: Deno.Kv;
 * declare const access: RoomAccess;
 * const { message } = await editMessage(kv, {
 *   access,
 *   user: { id: access.userId },
 *   messageId: "01JABCDEFGHJKMNPQRSTVWXYZ0",
 *   text: "hello, corrected",
 * });
 * ```
 */
export async function editMessage(
  kv: Deno.Kv,
  input: EditInput,
  options: ChangeOptions = {},
): Promise<ChangeResult> {
  const text = checkText(input.text, "Message", MAX_MESSAGE_LENGTH);
  return await change(kv, input, options, (message, rights, at) => {
    if (message.clientId !== input.user.id || !rights.write) {
      throw new ChatError("forbidden", "Only its author may edit a message.");
    }
    if (message.deletedAt !== undefined) {
      throw new ChatError("not_found", "That message was deleted.");
    }
    if (message.text === text) return null;
    return { ...message, text, editedAt: at, version: next(message) };
  });
}

/**
 * Replaces a message by its tombstone, one version up: the user's own, or
 * anyone's with `moderate`. A tombstone again is answered as it is
 * (`job: null`).
 *
 * @throws {ChatError} `not_found` (no such message, the room went away),
 * `forbidden` (another's message without `moderate`).
 * @example
 * ```ts
 * import type { RoomAccess } from "./policy.ts";
 * declare const kv: Deno.Kv;
 * declare const access: RoomAccess;
 * const { message } = await deleteMessage(kv, {
 *   access,
 *   user: { id: access.userId },
 *   messageId: "01JABCDEFGHJKMNPQRSTVWXYZ0",
 * });
 * message.text; // ""
 * ```
 */
export async function deleteMessage(
  kv: Deno.Kv,
  input: DeleteInput,
  options: ChangeOptions = {},
): Promise<ChangeResult> {
  return await change(kv, input, options, (message, rights, at) => {
    const own = message.clientId === input.user.id && rights.write;
    if (!own && !rights.moderate) {
      throw new ChatError(
        "forbidden",
        "Only its author or the room's owner may delete a message.",
      );
    }
    if (message.deletedAt !== undefined) return null;
    const { editedAt: _, ...kept } = message;
    return { ...kept, text: "", deletedAt: at, version: next(message) };
  });
}

function next(message: ChatMessage): number {
  return (message.version ?? 0) + 1;
}

/**
 * Reads the message, asks `decide` for its next state (`null`: none) and
 * commits it with its publish job, checked against what was read.
 */
async function change(
  kv: Deno.Kv,
  input: DeleteInput,
  options: ChangeOptions,
  decide: (
    message: ChatMessage,
    rights: RoomAccess["rights"],
    at: number,
  ) => ChatMessage | null,
): Promise<ChangeResult> {
  const now = options.now ?? Date.now;
  const { user, messageId } = input;
  let access = input.access;
  if (access.userId !== user.id) {
    throw new Error("message change: access was decided for another user");
  }
  const roomId = access.room.id;
  // A malformed id names no message: the same answer as an unknown one.
  if (!isMessageId(messageId)) {
    throw new ChatError("not_found", "No such message.");
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const entry = await kv.get<ChatMessage>(messageKey(roomId, messageId));
    if (entry.value === null) {
      throw new ChatError("not_found", "No such message.");
    }
    const at = now();
    const changed = decide(entry.value, access.rights, at);
    if (changed === null) return { message: entry.value, job: null };
    const op = kv.atomic().check(entry).set(entry.key, changed);
    // The lobby is never stored, so there is no versionstamp to check.
    if (roomId !== LOBBY_ID) {
      op.check({ key: roomKey(roomId), versionstamp: access.versionstamp });
    }
    const publish: PublishJob = { kind: "publish", roomId, messageId };
    const job = scheduleJob(
      op,
      publish,
      options.schedule ?? publishSchedule(at),
      at,
    );
    if ((await op.commit()).ok) return { message: changed, job };
    // The message or the room changed: read both again (a removed member,
    // a deleted room or a concurrent delete ends here).
    const again = await roomAccess(kv, user, roomId);
    if (again === null) throw new ChatError("not_found", "No such room.");
    access = again;
  }
  throw new ChatError("conflict", "The message changed meanwhile; try again.");
}
