/**
 * `POST /channels/{name}/messages` (spec RSL1 publish: RSL1m implicit
 * clientId, RSL1k idempotent ids, TM2 a `connectionKey` that attributes the
 * publish to a realtime connection) and `GET /channels/{name}/messages`
 * (RSL2 history; RTL10b `from_serial`, which ably-js sends for
 * `untilAttach`). The counterpart is ably-js `RestChannel.publish` /
 * `history` (and `RealtimeChannel.history`, which goes through REST).
 */

import { type Grant, operationsFor } from "../auth/mod.ts";
import {
  type ChannelName,
  Errors,
  messagesSize,
  randomId,
  readMessages,
  type Subscriber,
  type WireMessage,
} from "../core/mod.ts";
import { historyPage, historyQuery, json, readJson } from "./http.ts";
import type { RestContext } from "./context.ts";

/** Random characters in the id of a REST publish without client ids. */
const PUBLISH_ID_LENGTH = 9;

/** RSL1: publish one message or an array; fans out to realtime subscribers. */
export async function publish(
  req: Request,
  ctx: RestContext,
  grant: Grant,
  name: ChannelName,
  origin: string | null,
): Promise<Response> {
  checkPublishable(grant, name);
  const body = await readJson(req);
  const list = Array.isArray(body) ? body : [body];
  return json(publishToChannel(ctx, grant, name, list), 201, origin);
}

/** What a publish to one channel answers (and a batch's success result, BPR2). */
export interface PublishResult {
  channel: string;
  /** The id prefix of the messages published (`<messageId>:<index>`). */
  messageId: string | undefined;
  serials: (string | undefined)[];
}

/**
 * RSL1 on one channel: may `grant` publish on `name`? Throws 40000 for a
 * derived channel, 40160 without the `publish` operation.
 */
export function checkPublishable(grant: Grant, name: ChannelName): void {
  if (name.filter !== undefined) {
    throw Errors.badRequest(
      "Unable to publish to a derived channel: publish to its base channel",
    );
  }
  if (!operationsFor(grant.capability, name.base).has("publish")) {
    throw Errors.notPermitted(
      "Unable to publish to channel: permission denied",
    );
  }
}

/**
 * Publishes the raw messages `list` on `name`, checked as RSL1 checks them
 * (size, clientId); the caller has checked the capability. Shared by
 * `publish` and the batch publish (`batch_publish.ts`).
 */
export function publishToChannel(
  ctx: RestContext,
  grant: Grant,
  name: ChannelName,
  list: unknown[],
): PublishResult {
  const connection = publishingConnection(ctx, list);
  const messages = readMessages(list);
  const size = messagesSize(messages);
  if (size > ctx.maxMessageSize) {
    throw Errors.messageTooLarge(size, ctx.maxMessageSize);
  }
  for (const m of messages) {
    // RSL1m / RSA7: a message's clientId must agree with the credential's.
    if (m.clientId === undefined) continue;
    if (
      m.clientId === "*" ||
      (grant.clientId !== "*" && m.clientId !== grant.clientId)
    ) {
      throw Errors.invalidClientId(
        "Message clientId is not permitted by the credential",
      );
    }
  }
  // RSL1m: a token bound to a clientId gives its messages that clientId.
  const filled: WireMessage[] = messages.map((m) =>
    grant.clientId && grant.clientId !== "*" && !m.clientId
      ? { ...m, clientId: grant.clientId }
      : m
  );
  const stored = ctx.channels.get(name.base).publish(
    filled,
    {
      protocolId: randomId(PUBLISH_ID_LENGTH),
      connectionId: connection?.id,
      from: connection,
    },
    ctx.now(),
  );
  return {
    channel: name.full,
    messageId: stored.messages[0]?.id?.replace(/:\d+$/, ""),
    serials: stored.messages.map((m) => m.serial),
  };
}

/**
 * TM2 / Ably docs "Publish on behalf of a realtime connection": messages
 * carrying a live connection's `connectionKey` are that connection's (its
 * connectionId, its `echo` setting). All messages of one request must name
 * the same connection; an unknown key is refused (40006).
 */
function publishingConnection(
  ctx: RestContext,
  list: unknown[],
): Subscriber | undefined {
  let key: string | undefined;
  for (const raw of list) {
    if (typeof raw !== "object" || raw === null) continue;
    const value = (raw as Record<string, unknown>).connectionKey;
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || (key !== undefined && key !== value)) {
      throw Errors.invalidConnectionId(
        "Messages of one publish must carry one connectionKey",
      );
    }
    key = value;
  }
  if (key === undefined) return undefined;
  const connection = ctx.connectionByKey(key);
  if (!connection) {
    throw Errors.invalidConnectionId("Unknown connectionKey");
  }
  return connection;
}

/** RSL2: history, newest first by default, `limit` ≤ 1000, `direction`. */
export function history(
  url: URL,
  ctx: RestContext,
  grant: Grant,
  name: ChannelName,
  origin: string | null,
): Response {
  if (!operationsFor(grant.capability, name.base).has("history")) {
    throw Errors.notPermitted("Unable to read history: permission denied");
  }
  const query = historyQuery(url.searchParams);
  const page = ctx.channels.find(name.base)?.history(query) ?? { items: [] };
  return historyPage("messages", query, page, origin);
}
