/**
 * Server-side publishing over REST through the token service's `Ably.Rest`
 * (RSL1), authenticated with the key itself: the server is the only publisher
 * on `user:<id>` channels, whose tokens grant subscribe only
 * (`capability.ts`). `POST /api/notify-me` uses it to reach one user alone.
 * Room channels are published on only for stored messages, by
 * `publish_message.ts`.
 *
 * `publishToUsers` sends one message to many users' channels in Ably batch
 * publishes (RSC22), one request per `MAX_BATCH_CHANNELS` users.
 *
 * Works the same in every token mode (`request`, `token`, `jwt`); the channel
 * names come from `capability.ts`, and Ably or `lib/emulator/` delivers the
 * messages to subscribed islands.
 */
import { userChannel } from "../contract/mod.ts";
import type * as Ably from "ably";
import { getLogger } from "../platform/mod.ts";
import { inBatches } from "./batch.ts";

const logger = getLogger(["live", "ably", "publish"]);

/** Publishes on the app's channels. */
export interface Publisher {
  /** One message on `user:<userId>`; resolves once Ably has accepted it. */
  publishToUser(userId: string, name: string, data?: unknown): Promise<void>;
  /**
   * The same, for a hint nobody waits on (the next page render corrects a
   * lost one): sent in the background, a failure logged, never thrown.
   */
  hintUser(userId: string, name: string, data?: unknown): void;
  /** Resolves once every hint under way has been sent or has failed. */
  settle(): Promise<void>;
}

/**
 * A publisher over `rest` (the token service's client).
 *
 * @example
 * ```ts
 * import type * as Ably from "ably";
 * declare const rest: Ably.Rest;
 * const publisher = createPublisher(rest);
 * await publisher.publishToUser("github:42", "notice", { text: "hello" });
 * ```
 */
export function createPublisher(rest: Ably.Rest): Publisher {
  const publishToUser = async (
    userId: string,
    name: string,
    data?: unknown,
  ) => {
    await rest.channels.get(userChannel(userId)).publish(name, data);
  };
  const underWay = new Set<Promise<void>>();
  return {
    publishToUser,
    hintUser(userId, name, data) {
      const sent = publishToUser(userId, name, data).catch((error) => {
        logger.warn("{name} hint to a user failed: {reason}", {
          name,
          reason: (error as Error)?.message ?? String(error),
        });
      }).finally(() => underWay.delete(sent));
      underWay.add(sent);
    },
    async settle() {
      await Promise.all(underWay);
    },
  };
}

/** A message of a batch publish; `id` makes a repeat of it dropped (RSL1k). */
export interface BatchMessage {
  id: string;
  name: string;
  data: unknown;
}

/**
 * Publishes `message` on `user:<id>` of each of `userIds` through `rest`'s
 * batch publish, and returns how many of those channels Ably refused.
 * Rejects when a request fails as a whole.
 */
export async function publishToUsers(
  rest: Pick<Ably.Rest, "batchPublish">,
  userIds: readonly string[],
  message: BatchMessage,
): Promise<number> {
  const results = await Promise.all(
    inBatches(userIds.map(userChannel)).map((channels) =>
      rest.batchPublish({ channels, messages: [message] })
    ),
  );
  return results.reduce((n, result) => n + result.failureCount, 0);
}
