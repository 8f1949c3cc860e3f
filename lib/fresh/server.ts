/**
 * `$fresh/server.ts`: what the app's server side imports. `start()` serves a
 * manifest with `Deno.serve`; `createHandler()` gives the same handler for
 * in-process tests; the `define*` helpers only carry types. Names and types
 * follow Fresh 1.x so the import map can point `$fresh/` at upstream Fresh.
 */
import type { ComponentChildren, VNode } from "preact";
import { createHandler } from "./handler.ts";
import type {
  AppProps,
  FreshConfig,
  LayoutProps,
  Manifest,
  RouteContext,
} from "./types.ts";

export { createHandler, type RequestHandler } from "./handler.ts";
export { IslandPropsError } from "./serializer.ts";
export type {
  AppProps,
  ConnInfo,
  Destination,
  ErrorHandler,
  FreshConfig,
  FreshContext,
  Handler,
  Handlers,
  KnownMethod,
  LayoutProps,
  Manifest,
  Middleware,
  MiddlewareHandler,
  PageProps,
  Plugin,
  PluginMiddleware,
  PluginRoute,
  RenderOptions,
  ResolvedFreshConfig,
  RouteConfig,
  RouteContext,
} from "./types.ts";

/**
 * Serves the app with `Deno.serve(config.server)`, on `PORT` from the
 * environment (else 8000) when no port is given, and resolves once the
 * server has stopped, as Fresh 1.x's `start()` does. Stop it through
 * `config.server.signal`: the listener closes, in-flight requests are
 * answered, then the promise resolves. (`Deno.serve` given the signal itself
 * would drop in-flight requests on abort, so the signal drives
 * `shutdown()` instead.)
 */
export async function start(
  manifest: Manifest,
  config: FreshConfig = {},
): Promise<void> {
  const handler = await createHandler(manifest, config);
  const { signal, ...options } = { ...config.server } as Deno.ServeTcpOptions;
  if (options.port === undefined) {
    const port = Number(Deno.env.get("PORT") ?? 8000);
    options.port = Number.isInteger(port) ? port : 8000;
  }
  if (signal?.aborted) return;
  const server = Deno.serve(options, (req, info) => handler(req, info));
  const stop = () => server.shutdown();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    await server.finished;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
}

/** Returns the configuration unchanged; gives `fresh.config.ts` its type. */
export function defineConfig(config: FreshConfig): FreshConfig {
  return config;
}

/** What an async route, layout or app returns. */
type AsyncResult = Promise<ComponentChildren | VNode | Response>;

/** Types an async route taking `(req, ctx)`. */
export function defineRoute<
  T = unknown,
  S = Record<string, unknown>,
>(
  fn: (req: Request, ctx: RouteContext<T, S>) => AsyncResult,
): (req: Request, ctx: RouteContext<T, S>) => AsyncResult {
  return fn;
}

/** Types a `_layout` component; `ctx.Component` is the inner part. */
export function defineLayout<
  T = unknown,
  S = Record<string, unknown>,
>(
  fn: (req: Request, ctx: LayoutProps<T, S>) => AsyncResult,
): (req: Request, ctx: LayoutProps<T, S>) => AsyncResult {
  return fn;
}

/** Types the `_app` component; `ctx.Component` is the page. */
export function defineApp<
  T = unknown,
  S = Record<string, unknown>,
>(
  fn: (req: Request, ctx: AppProps<T, S>) => AsyncResult,
): (req: Request, ctx: AppProps<T, S>) => AsyncResult {
  return fn;
}
