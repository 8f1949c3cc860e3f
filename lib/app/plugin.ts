/**
 * The app as a Fresh 1.x plugin: `fresh.config.ts` lists `livePlugin()`, and
 * that is the whole wiring. The plugin starts the services once per plugin
 * instance — KV, sign-in, Ably, rate limits (`services.ts`) — on `start()`
 * or else on the first request, and its middlewares (`middleware.ts`) put
 * them on `ctx.state` for every request and are the one HTTP edge of the
 * JSON API.
 * So `createHandler(manifest, config)` with the project's own config is the
 * complete app, on this runtime and on upstream Fresh alike.
 *
 * Fresh has no shutdown hook for plugins: whoever started the handler stops
 * the services with `close()` (`main.ts` after the server stopped, a test in
 * `finally`).
 *
 * The plugin mounts its middleware at `/` rather than leaving it to
 * `routes/_middleware.ts` because Fresh runs a folder's own `_middleware`
 * before the plugins' of the same folder: an app middleware there could not
 * read the services before `ctx.next()`.
 */
import type { FreshConfig, MiddlewareHandler, Plugin } from "$fresh/server.ts";
import {
  type AppConfig,
  loadConfig,
  readEnvironment,
} from "../platform/mod.ts";
import {
  apiEdge,
  privateCaching,
  provideServices,
  securityHeaders,
  sessionUser,
} from "./middleware.ts";
import {
  type RunningServices,
  startServices,
  type StartServicesOptions,
} from "./services.ts";
import type { State } from "./state.ts";

/** The plugin's name, as Fresh wants it: snake-case. */
export const PLUGIN_NAME = "live";

export interface LivePluginOptions extends StartServicesOptions {
  /** The configuration; read from the environment on first start unless given. */
  config?: AppConfig;
}

/** The app plugin, plus the lifecycle Fresh's `Plugin` lacks. */
export interface LivePlugin extends Plugin, AsyncDisposable {
  /**
   * Starts the services, once: later calls (and `configResolved`) get the
   * same ones. `config` is used by the first call only.
   */
  start(config?: AppConfig): Promise<RunningServices>;
  /** Stops what `start` started; the plugin can be started again after. */
  close(): Promise<void>;
}

/** The app plugin; see the module comment. */
export function livePlugin(options: LivePluginOptions = {}): LivePlugin {
  let starting: Promise<RunningServices> | undefined;
  let running: RunningServices | undefined;
  const start = (config?: AppConfig) =>
    starting ??= startServices(
      config ?? options.config ?? loadConfig(readEnvironment()),
      options,
    ).then((started) => running = started);
  const chain: MiddlewareHandler<State>[] = [
    // Started on the first request unless `start()` came first (main.ts and
    // tests call it); not in `configResolved`, which Fresh also runs for
    // `dev.ts build`, where nothing may be left running.
    provideServices(() => running?.services ?? start().then((r) => r.services)),
    securityHeaders,
    privateCaching,
    sessionUser,
    apiEdge,
  ];
  const close = async () => {
    const stopping = starting;
    starting = running = undefined;
    await (await stopping?.catch(() => undefined))?.close();
  };
  return {
    name: PLUGIN_NAME,
    middlewares: [{
      path: "/",
      // `FreshConfig.plugins` holds `Plugin`s of the default state, and a
      // handler of `State` is not one of those to the type checker (state is
      // a parameter). These handlers fill `State` themselves, first thing.
      middleware: { handler: chain as unknown as MiddlewareHandler[] },
    }],
    start,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * The app plugin in a Fresh config (`fresh.config.ts`'s default export).
 *
 * @throws {Error} when the config has none: a wiring mistake.
 */
export function livePluginOf(config: FreshConfig): LivePlugin {
  const plugin = config.plugins?.find((p) => p.name === PLUGIN_NAME);
  if (!plugin) {
    throw new Error(`the Fresh config has no "${PLUGIN_NAME}" plugin`);
  }
  return plugin as unknown as LivePlugin;
}
