/**
 * Ably's REST batch requests — batch publish (RSC22) and batch presence
 * (RSC24) — address at most `MAX_BATCH_CHANNELS` channels each; more are
 * sent as several requests, in parallel.
 */

/** Ably's bound on the channels of one batch request. */
export const MAX_BATCH_CHANNELS = 100;

/**
 * `items` in consecutive runs of at most `size` (`MAX_BATCH_CHANNELS`
 * unless told).
 *
 * @example
 * ```ts
 * import { inBatches } from "./batch.ts";
 *
 * inBatches([1, 2, 3], 2); // [[1, 2], [3]]
 * ```
 */
export function inBatches<T>(
  items: readonly T[],
  size: number = MAX_BATCH_CHANNELS,
): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
