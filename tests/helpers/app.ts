/**
 * The app for a test, built the way `main.ts` and upstream Fresh build it:
 * `createHandler(manifest, config)` with the project's `fresh.config.ts`,
 * its app plugin given the test's environment and a `:memory:` KV. Every
 * in-process, route and browser test starts the app here.
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
import { type AppConfig, loadConfig } from "../../lib/config.ts";
import type { Idp } from "../../lib/idp/mod.ts";

/** Bundle in memory, so a stale `_fresh/` cannot stand in for the islands. */
export const FRESH_BUILD = { build: { outDir: "tests/fixtures/no-build" } };

export interface TestAppOptions {
  /** A manifest other than `fresh.gen.ts` (a test's own routes). */
  manifest?: Manifest;
  /** An open store to use (the caller closes it); else `kvPath`. */
  kv?: Deno.Kv;
  /** KV to open; `:memory:` unless given. */
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
  const plugin = livePlugin({
    config: loadConfig(env),
    kvPath: options.kvPath ?? ":memory:",
    kv: options.kv,
  });
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
      close: plugin.close,
      [Symbol.asyncDispose]: plugin.close,
    };
  } catch (error) {
    await plugin.close();
    throw error;
  }
}
