/**
 * Opens the app's Deno KV store.
 *
 * - `undefined`: the platform's default store (Deno Deploy's managed KV).
 * - `:memory:`: a store that lives as long as the handle (tests).
 * - an `http(s)://` URL: KV Connect (needs `DENO_KV_ACCESS_TOKEN`, read by Deno itself).
 * - anything else: a SQLite file, whose folder is created on first use so that
 *   a fresh checkout runs with no setup.
 */
import { dirname } from "node:path";

export async function openKv(path: string | undefined): Promise<Deno.Kv> {
  if (path !== undefined && path !== ":memory:" && !/^https?:\/\//.test(path)) {
    await Deno.mkdir(dirname(path), { recursive: true });
  }
  return await Deno.openKv(path);
}
