/**
 * Opens the app's Deno KV store.
 *
 * - `undefined`: the platform's default store (Deno Deploy's managed KV).
 * - `:memory:`: a store that lives as long as the handle (tests).
 * - an `http(s)://` URL: KV Connect (needs `DENO_KV_ACCESS_TOKEN`, read by Deno itself).
 * - anything else: a SQLite file, whose folder is created on first use so that
 *   a fresh checkout runs with no setup.
 *
 * Several processes on one SQLite file are how instances sharing one KV run
 * on a single machine. There, a write that meets another process's write
 * fails at once with "database is locked" (SQLite's busy state) instead of
 * waiting its turn, as Deno KV's service would. Such a write did not happen,
 * so `sharedFile` tries it again, a few times with a short pause; one code
 * path then serves a file, `:memory:` and a KV Connect URL.
 */
import { dirname } from "node:path";

export async function openKv(path: string | undefined): Promise<Deno.Kv> {
  if (path === undefined || path === ":memory:" || /^https?:\/\//.test(path)) {
    return await Deno.openKv(path);
  }
  await Deno.mkdir(dirname(path), { recursive: true });
  return sharedFile(await Deno.openKv(path));
}

/** Tries of a write that found the file locked, and the pause before each retry. */
const LOCKED_TRIES = 12;
const LOCKED_PAUSE_MS = [2, 5, 10, 20, 40, 80, 160, 320];

/** Whether `error` is SQLite's "another process is writing". */
export function isLockedError(error: unknown): boolean {
  return error instanceof Error && /database is locked/i.test(error.message);
}

/** Runs `write` again while it fails because the file is locked. */
export async function retryLocked<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isLockedError(error) || attempt >= LOCKED_TRIES - 1) throw error;
      const pause =
        LOCKED_PAUSE_MS[Math.min(attempt, LOCKED_PAUSE_MS.length - 1)];
      await new Promise((resolve) =>
        setTimeout(resolve, pause * (0.5 + Math.random()))
      );
    }
  }
}

type Call = { name: string | symbol; args: unknown[] };

/**
 * `kv` whose writes (`set`, `delete`, and `atomic().commit()`, replayed onto
 * a fresh operation) are retried while the file is locked.
 */
function sharedFile(kv: Deno.Kv): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== "function") return value;
      if (name === "atomic") return () => replayableAtomic(target);
      if (name === "set" || name === "delete") {
        return (...args: unknown[]) =>
          retryLocked(() => value.apply(target, args));
      }
      return value.bind(target);
    },
  });
}

/** An atomic operation that records its calls, so a locked commit can be built again. */
function replayableAtomic(kv: Deno.Kv): Deno.AtomicOperation {
  const calls: Call[] = [];
  const build = () => {
    const op = kv.atomic() as unknown as Record<
      string | symbol,
      (...args: unknown[]) => unknown
    >;
    for (const { name, args } of calls) op[name](...args);
    return op as unknown as Deno.AtomicOperation;
  };
  // The methods are read off the class, so no operation is built until the
  // commit: one per try, none spare.
  const methods = Deno.AtomicOperation.prototype as unknown as Record<
    string | symbol,
    unknown
  >;
  const proxy: Deno.AtomicOperation = new Proxy({} as Deno.AtomicOperation, {
    get(_target, name) {
      if (typeof methods[name] !== "function") return undefined;
      if (name === "commit") return () => retryLocked(() => build().commit());
      return (...args: unknown[]) => {
        calls.push({ name, args });
        return proxy;
      };
    },
  });
  return proxy;
}
