/**
 * The types an app writes against: the manifest `dev()` generates, the
 * configuration `start()` accepts, the context every handler, middleware,
 * page, layout and app wrapper receives. Names and shapes follow Fresh 1.x
 * (`src/server/types.ts`) so that the import map can point `$fresh/` at
 * upstream Fresh without touching the app. Re-exported by `server.ts`.
 */
import type { ComponentChildren, ComponentType, VNode } from "preact";

/** Where a request is going once middleware lets it through. */
export type Destination = "internal" | "static" | "route" | "notFound";

/** Options for `ctx.render()`: status and headers of the page response. */
export interface RenderOptions {
  /** HTTP status, 200 unless given. */
  status?: number;
  /** Status text sent with `status`. */
  statusText?: string;
  /** Extra response headers. */
  headers?: HeadersInit;
}

/** The address of the client, as `Deno.serve` reports it. */
export interface ConnInfo {
  /** The remote end of the connection. */
  remoteAddr: Deno.NetAddr;
  /** The local end, when known. */
  localAddr?: Deno.NetAddr;
}

/** Per-request context handed to middleware, handlers, pages and layouts. */
export interface FreshContext<
  State = Record<string, unknown>,
  // deno-lint-ignore no-explicit-any -- Fresh's default, so untyped pages compile the same here and upstream
  Data = any,
  NotFoundData = Data,
> {
  /** The request URL, parsed. */
  url: URL;
  /** Values of `[param]` and `[...rest]` segments of the matched route. */
  params: Record<string, string>;
  /** Shared across middleware and the route; middleware fills it. */
  state: State;
  /** The pattern of the matched route, e.g. `/blog/:slug`. */
  route: string;
  /** @deprecated Fresh's older name for `route`. */
  pattern: string;
  /** Whether the request asks for a partial; always `false` here. */
  isPartial: boolean;
  /** What the request is heading to. */
  destination: Destination;
  /** The client's address. */
  remoteAddr: Deno.NetAddr;
  /** The local address, when the server reports it. */
  localAddr?: Deno.NetAddr;
  /** Prefix the app is mounted under; always empty here. */
  basePath: string;
  /** The configuration the server was started with. */
  config: ResolvedFreshConfig;
  /** What the handler passed to `render()`. */
  data: Data;
  /** The error being rendered by `_500`. */
  error?: unknown;
  /** Renders the page of the matched route with `data`. */
  render: (
    data?: Data,
    options?: RenderOptions,
  ) => Response | Promise<Response>;
  /** Renders `_404` with status 404. */
  renderNotFound: (data?: NotFoundData) => Response | Promise<Response>;
  /** Runs the next middleware, or the destination after the last one. */
  next: () => Promise<Response>;
  /** In a layout or app wrapper: the inner part of the page. */
  Component: ComponentType<unknown>;
}

/** What a page component receives as props. */
export type PageProps<
  // deno-lint-ignore no-explicit-any -- Fresh's default, so untyped pages compile the same here and upstream
  T = any,
  S = Record<string, unknown>,
> = Omit<FreshContext<S, T>, "render" | "next" | "renderNotFound">;

/** What an async route (`defineRoute`) receives as its second argument. */
export type RouteContext<
  // deno-lint-ignore no-explicit-any -- Fresh's default, so untyped pages compile the same here and upstream
  T = any,
  S = Record<string, unknown>,
> = Omit<FreshContext<S, T>, "next" | "render">;

/** Props of `routes/_app.tsx`. */
export type AppProps<
  // deno-lint-ignore no-explicit-any -- Fresh's default, so untyped pages compile the same here and upstream
  T = any,
  S = Record<string, unknown>,
> = PageProps<T, S>;

/** Props of a `_layout.tsx`. */
export type LayoutProps<
  // deno-lint-ignore no-explicit-any -- Fresh's default, so untyped pages compile the same here and upstream
  T = any,
  S = Record<string, unknown>,
> = PageProps<T, S>;

/** A route handler for one method, or for all when exported as a function. */
export type Handler<
  // deno-lint-ignore no-explicit-any -- Fresh's default, so untyped pages compile the same here and upstream
  T = any,
  State = Record<string, unknown>,
> = (req: Request, ctx: FreshContext<State, T>) => Response | Promise<Response>;

/** The HTTP methods a route may answer. */
export type KnownMethod =
  | "GET"
  | "HEAD"
  | "POST"
  | "PUT"
  | "DELETE"
  | "OPTIONS"
  | "PATCH";

/** A route's handlers, one per method. */
export type Handlers<
  // deno-lint-ignore no-explicit-any -- Fresh's default, so untyped pages compile the same here and upstream
  T = any,
  State = Record<string, unknown>,
> = { [K in KnownMethod]?: Handler<T, State> };

/**
 * `routes/_500.tsx`'s handler: `ctx.error` is what was thrown, `ctx.render()`
 * renders the error page (status 500 unless given).
 */
export type ErrorHandler = (
  req: Request,
  ctx: FreshContext,
) => Response | Promise<Response>;

/** A `_middleware.ts` handler: call `ctx.next()` to go on. */
export type MiddlewareHandler<State = Record<string, unknown>> = (
  req: Request,
  ctx: FreshContext<State>,
) => Response | Promise<Response>;

/** A route module's `config` export. */
export interface RouteConfig {
  /** Render without `_app.tsx`. */
  skipAppWrapper?: boolean;
  /** Render without the `_layout.tsx` files of the folders above. */
  skipInheritedLayouts?: boolean;
}

/** A page, layout or app component; may be async and take `(req, ctx)`. */
export type PageComponent =
  // deno-lint-ignore no-explicit-any -- page props vary per route; the router checks nothing about them
  | ComponentType<any>
  | ((
    req: Request,
    // deno-lint-ignore no-explicit-any -- context data varies per route
    ctx: RouteContext<any, any>,
  ) => Promise<VNode | Response | ComponentChildren>);

/** What a file in `routes/` may export. */
export interface RouteModule {
  /** The page, layout or app component. */
  default?: PageComponent;
  /** Handlers, or a middleware function (or list of them) in `_middleware`. */
  // deno-lint-ignore no-explicit-any -- modules are typed by their own authors; the router checks shapes at runtime
  handler?: Handler<any, any> | Handlers<any, any> | MiddlewareHandler<any>[];
  /** Per-route options. */
  config?: RouteConfig;
}

/** What a file in `islands/` exports: components, each one an island. */
export type IslandModule = Record<string, unknown>;

/** The file `dev()` writes as `fresh.gen.ts`. */
export interface Manifest {
  /** Route modules keyed by path, e.g. `./routes/index.tsx`. */
  routes: Record<string, RouteModule>;
  /** Island modules keyed by path, e.g. `./islands/Counter.tsx`. */
  islands: Record<string, IslandModule>;
  /** `import.meta.url` of `fresh.gen.ts`: the project root. */
  baseUrl: string;
}

/** Configuration for `start()`, `createHandler()` and `dev()`. */
export interface FreshConfig {
  /**
   * Options for `Deno.serve`; `PORT` from the environment when no port.
   * `signal` stops the server: `start()` resolves once it has stopped and
   * in-flight requests have been answered.
   */
  server?: Partial<Deno.ServeTcpOptions & Deno.TlsCertifiedKeyPem>;
  /** Where `deno task build` writes and `start()` reads, `_fresh` unless given. */
  build?: {
    /** Output folder, relative to the project root. */
    outDir?: string;
    /** esbuild's target; `es2022` unless given. */
    target?: string | string[];
  };
  /** Plugins: their middlewares and routes join the manifest's. */
  plugins?: Plugin[];
  /** Folder of static files, `static` unless given. */
  staticDir?: string;
}

/** `FreshConfig` with paths made absolute and defaults filled in. */
export interface ResolvedFreshConfig {
  /** `true` under `dev()`. */
  dev: boolean;
  /** The build output folder (absolute) and esbuild target. */
  build: {
    outDir: string;
    target: string | string[];
  };
  /** The plugins, in the order given. */
  plugins: Plugin[];
  /** Absolute path of the static files folder. */
  staticDir: string;
  /** Options for `Deno.serve`. */
  server: Partial<Deno.ServeTcpOptions & Deno.TlsCertifiedKeyPem>;
  /** Prefix the app is mounted under; always empty here. */
  basePath: string;
}

/** A `_middleware` module, or what a plugin mounts as one. */
export interface Middleware<State = Record<string, unknown>> {
  /** One handler or a chain, run in order. */
  handler: MiddlewareHandler<State> | MiddlewareHandler<State>[];
}

/** A middleware a plugin mounts at `path` (a folder under `routes/`). */
export interface PluginMiddleware<State = Record<string, unknown>> {
  /** A path in the format of a filename path without filetype, `/` for all. */
  path: string;
  /** Runs after the app's own `_middleware` of the same folder, as in Fresh. */
  middleware: Middleware<State>;
}

/** A route a plugin adds, as if it were a file under `routes/`. */
export interface PluginRoute {
  /** A path in the format of a filename path without filetype. */
  path: string;
  /** The page, when the route renders one. */
  component?: PageComponent;
  /** The route's handlers. */
  // deno-lint-ignore no-explicit-any -- Fresh's type: a plugin's routes are typed by their authors
  handler?: Handler<any, any> | Handlers<any, any>;
}

/**
 * A Fresh 1.x plugin. This runtime honours `name`, `configResolved`,
 * `middlewares` and `routes`; render hooks, entrypoints and plugin islands
 * are not implemented and a plugin that declares them is refused at start-up
 * rather than half-served.
 */
export interface Plugin<State = Record<string, unknown>> {
  /** The name of the plugin. Must be snake-case. */
  name: string;
  /** Called once `createHandler()` has resolved the configuration. */
  configResolved?(config: ResolvedFreshConfig): Promise<void> | void;
  /** Routes added to the manifest's. */
  routes?: PluginRoute[];
  /** Middlewares added to the manifest's. */
  middlewares?: PluginMiddleware<State>[];
  /** Not implemented here; see above. */
  entrypoints?: Record<string, string>;
  /** Not implemented here; see above. */
  render?: unknown;
  /** Not implemented here; see above. */
  renderAsync?: unknown;
  /** Not implemented here; see above. */
  islands?: unknown;
}
