/**
 * Reading more keys than one `kv.getMany` takes (Deno KV's bound is 10):
 * the batches go out together, and the entries come back in key order.
 */

/** Keys one `getMany` may read. */
export const GET_MANY_KEYS = 10;

/**
 * The entries of `keys`, in their order, read `GET_MANY_KEYS` at a time,
 * all batches at once.
 *
 * @example
 * ```ts
 * import { getManyInBatches } from "./kv_get_many.ts";
 * const kv = await Deno.openKv(":memory:");
 * const keys = Array.from({ length: 25 }, (_, i) => ["users", i]);
 * const entries = await getManyInBatches<string>(kv, keys);
 * entries.length; // 25
 * kv.close();
 * ```
 */
export async function getManyInBatches<T>(
  kv: Deno.Kv,
  keys: readonly Deno.KvKey[],
): Promise<Deno.KvEntryMaybe<T>[]> {
  const batches: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
  for (let i = 0; i < keys.length; i += GET_MANY_KEYS) {
    batches.push(kv.getMany<T[]>(keys.slice(i, i + GET_MANY_KEYS)));
  }
  return (await Promise.all(batches)).flat();
}
