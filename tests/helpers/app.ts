/**
 * The app for a test, built the way `main.ts` and upstream Fresh build it:
 * `createHandler(manifest, config)` with the project's `fresh.config.ts`,
 * its app plugin given the test's environment and a `:memory:` KV that
 * refuses queues, as Deno Deploy and KV Connect do. Every in-process, route
 * and browser test starts the app here.
 *
 * @example
 * ```ts
 * await using app = await startTestApp({ ABLY_TOKEN_TTL_MS: "5000" });
 * const res = await app.handler(new Request("http://127.0.0.1/api/live"));
 * ```
 */
import {
  createHandler,
  type Manifest,
  type RequestHandler,
} from "$fresh/server.ts";
import freshConfig from "../../fresh.config.ts";
import appManifest from "../../fresh.gen.ts";
import { livePlugin } from "../../lib/app/plugin.ts";
import type { Services } from "../../lib/app/services.ts";
import { type AppConfig, loadConfig } from "../../lib/platform/config.ts";
import type { Idp } from "../../lib/idp/mod.ts";
import { openKvWithoutQueues } from "./kv_without_queues.ts";

/** Bundle in memory, so a stale `_fresh/` cannot stand in for the islands. */
export const FRESH_BUILD = { build: { outDir: "tests/fixtures/no-build" } };

export interface TestAppOptions {
  /** A manifest other than `fresh.gen.ts` (a test's own routes). */
  manifest?: Manifest;
  /** An open store to use (the caller closes it); else `kvPath`. */
  kv?: Deno.Kv;
  /** KV to open, with its queues refused; `:memory:` unless given. */
  kvPath?: string;
}

/** A started app; `await using` (or `close()`) stops its services. */
export interface TestApp extends AsyncDisposable {
  handler: RequestHandler;
  /** What the routes see on `ctx.state`. */
  services: Services;
  config: AppConfig;
  /** The embedded provider, unless the environment names another. */
  idp: Idp | undefined;
  close(): Promise<void>;
}

/** Starts the app with `env` as its whole environment. */
export async function startTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const kv = options.kv ?? await openKvWithoutQueues(options.kvPath);
  const plugin = livePlugin({ config: loadConfig(env), kv });
  const close = async () => {
    await plugin.close();
    if (!options.kv) kv.close();
  };
  try {
    const handler = await createHandler(options.manifest ?? appManifest, {
      ...freshConfig,
      ...FRESH_BUILD,
      plugins: [plugin],
    });
    const running = await plugin.start();
    return {
      handler,
      services: running.services,
      config: running.config,
      idp: running.idp,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
