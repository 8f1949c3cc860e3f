/**
 * How many people are in each room now, for the room list on `/`: the
 * distinct clientIds in each room channel's presence (the island enters
 * `room:<id>` with no data; one person with two tabs is one), asked of Ably
 * with REST batch presence (`GET /presence?channels=`, at most 100 channels
 * a request) by the server's own key client.
 *
 * A count is a nicety, never a reason for the page to wait or fail: the
 * whole read has `OCCUPANCY_DEADLINE_MS`, and a room whose count is not
 * known (Ably slow or down, a channel refused) is simply absent from the
 * map. While Ably keeps failing one warning is logged, not one per page.
 * The emulator's side is `lib/emulator/rest/batch_presence.ts`.
 */
import type * as Ably from "ably";
import { isRoomId, roomChannel } from "../contract/mod.ts";
import { getLogger, withDeadline } from "../platform/mod.ts";
import { inBatches } from "./batch.ts";

/** How long a page waits for the counts, ms. */
export const OCCUPANCY_DEADLINE_MS = 400;

/** The one call needed of the server's Ably REST client. */
export type PresenceBatchReader = Pick<Ably.Rest, "batchPresence">;

/** Options for `roomOccupancy`. */
export interface OccupancyOptions {
  /** The deadline of the whole read, ms; `OCCUPANCY_DEADLINE_MS` unless given. */
  deadlineMs?: number;
}

const logger = getLogger(["live", "ably", "occupancy"]);
/** Clients whose last read failed: warned about once until one succeeds. */
const failing = new WeakSet<PresenceBatchReader>();

/**
 * How many distinct people are present in each of `roomIds`, by room id;
 * rooms whose count is unknown are left out. Never rejects.
 *
 * @example
 * ```ts
 * import * as Ably from "ably";
 * import { roomOccupancy } from "./occupancy.ts";
 * declare const rest: Ably.Rest;
 * const here = await roomOccupancy(rest, ["lobby"]);
 * console.log(here.get("lobby") ?? "unknown");
 * ```
 */
export async function roomOccupancy(
  rest: PresenceBatchReader,
  roomIds: readonly string[],
  { deadlineMs = OCCUPANCY_DEADLINE_MS }: OccupancyOptions = {},
): Promise<Map<string, number>> {
  const roomOf = new Map<string, string>();
  for (const id of roomIds) if (isRoomId(id)) roomOf.set(roomChannel(id), id);
  const counts = new Map<string, number>();
  if (roomOf.size === 0) return counts;
  const batches = inBatches([...roomOf.keys()]);
  let failure: unknown;
  try {
    const settled = await withDeadline(
      Promise.allSettled(batches.map((b) => rest.batchPresence(b))),
      deadlineMs,
      "Ably batch presence",
    );
    for (const outcome of settled) {
      if (outcome.status === "rejected") {
        failure ??= outcome.reason;
        continue;
      }
      for (const result of resultsOf(outcome.value)) {
        const roomId = roomOf.get(result.channel);
        if (roomId !== undefined) counts.set(roomId, result.count);
      }
    }
  } catch (error) {
    failure = error;
  }
  noteOutcome(rest, failure);
  return counts;
}

/** One channel's answer: its name and distinct clientIds present. */
interface ChannelCount {
  channel: string;
  count: number;
}

/**
 * The successful channels of a batch answer. ably-js 2.28 hands the body
 * over undecoded: a BatchResult `{ results }` (RSC24, BAR2) — though its
 * typings say an array, which is read the same way to be safe. A failed
 * channel (`error`, BGF2) is left out, its count unknown.
 */
function resultsOf(body: unknown): ChannelCount[] {
  const results = Array.isArray(body)
    ? body
    : (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return [];
  const counts: ChannelCount[] = [];
  for (const result of results) {
    const { channel, presence } = result ?? {};
    if (typeof channel !== "string" || !Array.isArray(presence)) continue;
    const people = new Set(
      presence.map((m: { clientId?: unknown }) => m?.clientId)
        .filter((id): id is string => typeof id === "string"),
    );
    counts.push({ channel, count: people.size });
  }
  return counts;
}

/** Warns once when reads start failing; forgets it when one succeeds. */
function noteOutcome(rest: PresenceBatchReader, failure: unknown): void {
  if (failure === undefined) {
    failing.delete(rest);
    return;
  }
  if (failing.has(rest)) return;
  failing.add(rest);
  logger.warn("room occupancy unavailable, pages show no counts: {reason}", {
    reason: (failure as Error)?.message ?? String(failure),
  });
}
