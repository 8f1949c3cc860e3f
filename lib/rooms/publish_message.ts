/**
 * Publishes one stored room message to `room:<roomId>` over REST (RSL1),
 * with the key: the only way messages reach a room's channel, since page
 * tokens grant no `publish` there (`capability.ts`).
 *
 * The Ably message id is derived from the stored id and version
 * (`ablyMessageId`), so a re-publish of the same version — the outbox
 * retrying after an inline attempt whose answer was lost — is accepted by
 * Ably (RSL1k, idempotent publishing; Ably remembers ids about two minutes)
 * or the emulator and delivered once, while an edit or a delete, a new
 * version, is a new delivery. Each publish carries the whole current state
 * (a tombstone has no text), so the island needs no history to apply it. The island receives these as `MESSAGE_NAME` messages,
 * `clientId` = the sender's user id, data = `PublishedMessageData`.
 */
import type * as Ably from "ably";
import {
  MESSAGE_NAME,
  type PublishedMessageData,
  roomChannel,
} from "../contract/mod.ts";
import type { ChatMessage } from "./messages.ts";

/**
 * The Ably message id of one version of a stored message: the same for every
 * publish of that version. Of the `<base>:<index>` form that Ably's
 * idempotent publishing uses (RSL1k1); version 0 keeps the id messages had
 * before they could change.
 *
 * @example
 * ```ts
 * ablyMessageId({ roomId: "lobby", id: "01J…" }); // "lobby.01J…:0"
 * ablyMessageId({ roomId: "lobby", id: "01J…", version: 2 }); // "lobby.01J….v2:0"
 * ```
 */
export function ablyMessageId(
  message: Pick<ChatMessage, "roomId" | "id" | "version">,
): string {
  const version = message.version ? `.v${message.version}` : "";
  return `${message.roomId}.${message.id}${version}:0`;
}

/** Publishes `message` as it is now; resolves once Ably (or the emulator) accepted it. */
export async function publishMessage(
  rest: Ably.Rest,
  message: ChatMessage,
): Promise<void> {
  const data: PublishedMessageData = {
    id: message.id,
    text: message.text,
    name: message.name,
    at: message.at,
  };
  // Absent as posted, so a message never changed looks as it always did.
  if (message.version) data.version = message.version;
  if (message.editedAt !== undefined) data.editedAt = message.editedAt;
  if (message.deletedAt !== undefined) data.deletedAt = message.deletedAt;
  await rest.channels.get(roomChannel(message.roomId)).publish({
    id: ablyMessageId(message),
    name: MESSAGE_NAME,
    clientId: message.clientId,
    data,
  });
}
