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
  MiddlewareHandler,
  PageProps,
  RenderOptions,
  ResolvedFreshConfig,
  RouteConfig,
  RouteContext,
} from "./types.ts";

/**
 * Serves the app with `Deno.serve(config.server)`, on `PORT` from the
 * environment (else 8000) when no port is given. Resolves to the running
 * server once it listens; `await server.finished` to wait for its end.
 */
export async function start(
  manifest: Manifest,
  config: FreshConfig = {},
): Promise<Deno.HttpServer<Deno.NetAddr>> {
  const handler = await createHandler(manifest, config);
  const options: Deno.ServeTcpOptions = { ...config.server };
  if (options.port === undefined) {
    options.port = Number(Deno.env.get("PORT") ?? 8000);
  }
  return Deno.serve(options, (req, info) => handler(req, info));
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
