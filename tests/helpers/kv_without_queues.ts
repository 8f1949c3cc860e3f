/**
 * A Deno KV that refuses queues the way KV Connect does (self-hosted
 * `denokv`, Deno Deploy's KV from outside) and the way Deno Deploy does:
 * `enqueue` and `listenQueue` throw, on the store and inside `atomic()`;
 * everything else is the real store. The suite runs the app on it, so any
 * code path that still needs a queue fails a test instead of a deployment.
 *
 * @example
 * ```ts
 * import { openKvWithoutQueues } from "./kv_without_queues.ts";
 * const kv = await openKvWithoutQueues(":memory:");
 * kv.close();
 * ```
 */
import { openKv } from "../../lib/platform/kv.ts";

/** What KV Connect answers a queue call with. */
export class QueuesUnsupportedError extends TypeError {
  constructor(what: string) {
    super(`${what} is not supported by this KV (no queues, as on KV Connect)`);
    this.name = "QueuesUnsupportedError";
  }
}

/** `kv`, with its queues refused. Closing the wrapper closes `kv`. */
export function withoutQueues(kv: Deno.Kv): Deno.Kv {
  return wrap(kv, {
    enqueue: "Deno.Kv.enqueue",
    listenQueue: "Deno.Kv.listenQueue",
  }, (name, value) =>
    name === "atomic"
      ? () =>
        wrap(
          (value as () => Deno.AtomicOperation).call(kv),
          { enqueue: "AtomicOperation.enqueue" },
        )
      : undefined);
}

/** Opens `path` as the app does (`:memory:` unless given), with its queues refused. */
export async function openKvWithoutQueues(path = ":memory:"): Promise<Deno.Kv> {
  return withoutQueues(await openKv(path));
}

/**
 * A proxy of `target` whose `refused` methods throw, whose other methods
 * run on `target` itself (Deno's classes keep private state), and whose
 * chained calls (`op.set(…).enqueue(…)`) stay on the proxy.
 */
function wrap<T extends object>(
  target: T,
  refused: Record<string, string>,
  override: (name: string | symbol, value: unknown) => unknown = () =>
    undefined,
): T {
  const proxy: T = new Proxy(target, {
    get(obj, name) {
      if (typeof name === "string" && name in refused) {
        return () => {
          throw new QueuesUnsupportedError(refused[name]);
        };
      }
      const value = Reflect.get(obj, name, obj);
      const replaced = override(name, value);
      if (replaced !== undefined) return replaced;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = value.apply(obj, args);
        return result === obj ? proxy : result;
      };
    },
  });
  return proxy;
}
