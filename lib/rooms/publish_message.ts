/**
 * Publishes one stored room message to `room:<roomId>` over REST (RSL1),
 * with the key: the only way messages reach a room's channel, since page
 * tokens grant no `publish` there (`capability.ts`).
 *
 * The Ably message id is derived from the stored id (`ablyMessageId`), so a
 * re-publish of the same message — the outbox retrying after an inline
 * attempt whose answer was lost — is accepted by Ably (RSL1k, idempotent
 * publishing; Ably remembers ids about two minutes) or the emulator and
 * delivered once. The island receives these as `MESSAGE_NAME` messages,
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
 * The Ably message id of a stored message: the same for every publish of it.
 * Of the `<base>:<index>` form that Ably's idempotent publishing uses (RSL1k1).
 *
 * @example
 * ```ts
 * ablyMessageId({ roomId: "lobby", id: "01J…" }); // "lobby.01J…:0"
 * ```
 */
export function ablyMessageId(
  message: Pick<ChatMessage, "roomId" | "id">,
): string {
  return `${message.roomId}.${message.id}:0`;
}

/** Publishes `message`; resolves once Ably (or the emulator) accepted it. */
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
  await rest.channels.get(roomChannel(message.roomId)).publish({
    id: ablyMessageId(message),
    name: MESSAGE_NAME,
    clientId: message.clientId,
    data,
  });
}
