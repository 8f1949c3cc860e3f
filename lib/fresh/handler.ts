/**
 * `createHandler()`: a request handler for a manifest, in this order:
 * trailing-slash redirect, path sanity, then the middleware chain (root
 * first, sharing `ctx.state`) ending at the destination: a bundle under
 * `/_frsh/js/<BUILD_ID>/`, a static file, a route, or `_404`. A thrown
 * `Deno.errors.NotFound` renders `_404`; any other error is logged and
 * renders `_500` with `ctx.error` (through `_500`'s `handler` when it exports
 * one), and the server keeps serving.
 */
import { setBuildId } from "./build_id.ts";
import {
  ALIVE_SCRIPT_PATH,
  ALIVE_SOCKET_PATH,
  aliveScript,
  aliveSocket,
} from "./alive.ts";
import { type Build, isDevMode, loadBuild } from "./build.ts";
import { contentType } from "./content_type.ts";
import { acceptsGzip } from "./gzip.ts";
import { collectIslands } from "./islands.ts";
import { renderPage } from "./render.ts";
import { splitPath } from "./router.ts";
import {
  buildRouteTable,
  layoutsFor,
  matchRoute,
  middlewareFor,
  type Route,
  type RouteTable,
} from "./routes.ts";
import { loadStaticFiles, type StaticFiles } from "./static_files.ts";
import type {
  ConnInfo,
  Destination,
  ErrorHandler,
  FreshConfig,
  FreshContext,
  Handler,
  Handlers,
  KnownMethod,
  Manifest,
  MiddlewareHandler,
  PageComponent,
  Plugin,
  RenderOptions,
  ResolvedFreshConfig,
} from "./types.ts";

/** Answers one request. */
export type RequestHandler = (
  req: Request,
  connInfo?: ConnInfo,
) => Promise<Response>;

const METHODS: KnownMethod[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "OPTIONS",
  "PATCH",
];

const UNKNOWN_ADDR: Deno.NetAddr = {
  transport: "tcp",
  hostname: "0.0.0.0",
  port: 0,
};

/** The project root: the folder of the manifest (`fresh.gen.ts`). */
export function projectRoot(manifest: Manifest): string {
  return new URL(".", manifest.baseUrl).pathname.replace(/\/$/, "");
}

/** Makes the paths of a config absolute against the manifest's folder. */
export function resolveConfig(
  manifest: Manifest,
  config: FreshConfig = {},
  dev = false,
): ResolvedFreshConfig {
  const root = projectRoot(manifest);
  const abs = (p: string) => p.startsWith("/") ? p : `${root}/${p}`;
  return {
    dev,
    build: {
      outDir: abs(config.build?.outDir ?? "_fresh"),
      target: config.build?.target ?? "es2022",
    },
    plugins: config.plugins ?? [],
    staticDir: abs(config.staticDir ?? "static"),
    server: config.server ?? {},
    basePath: "",
  };
}

/**
 * Refuses plugins that need what this runtime does not implement (render
 * hooks, client entrypoints, plugin islands): serving such an app without
 * them would silently drop part of every page.
 */
function checkPlugins(plugins: Plugin[]): void {
  for (const plugin of plugins) {
    const unsupported =
      (["render", "renderAsync", "entrypoints", "islands"] as const)
        .filter((hook) => plugin[hook] !== undefined);
    if (unsupported.length > 0) {
      throw new Error(
        `plugin ${plugin.name} uses ${
          unsupported.join(", ")
        }, which this runtime does not implement`,
      );
    }
  }
}

/**
 * Builds the request handler for a manifest; bundles the islands first unless
 * `_fresh/` holds a build for them. Plugins' `configResolved` hooks run
 * first, as in Fresh, so a plugin can start what its middleware hands out.
 */
export async function createHandler(
  manifest: Manifest,
  config: FreshConfig = {},
): Promise<RequestHandler> {
  const resolved = resolveConfig(manifest, config, isDevMode());
  checkPlugins(resolved.plugins);
  await Promise.all(resolved.plugins.map((p) => p.configResolved?.(resolved)));
  const root = projectRoot(manifest);
  const table = buildRouteTable(manifest, resolved.plugins);
  const islands = collectIslands(manifest.islands, root);
  const staticFiles = await loadStaticFiles(resolved.staticDir);
  const build = await loadBuild(
    root,
    resolved.build.outDir,
    islands,
    staticFiles.entries,
  );
  setBuildId(build.buildId);
  const app: App = {
    table,
    config: resolved,
    staticFiles,
    build,
    bundlePath: `/_frsh/js/${build.buildId}`,
    chains: new Map(),
  };
  return (req, connInfo) => handle(req, connInfo, app);
}

interface App {
  table: RouteTable;
  config: ResolvedFreshConfig;
  staticFiles: StaticFiles;
  build: Build;
  /** Where this build's bundles are served. */
  bundlePath: string;
  /**
   * Each route's middleware handlers, flattened on its first request: they
   * depend on the route file alone, and the table never changes.
   */
  chains: Map<Route, MiddlewareHandler[]>;
}

/** The middleware handlers a request passes through, root first. */
function chainFor(
  app: App,
  route: Route | undefined,
  path: string[],
): MiddlewareHandler[] {
  let chain = route && app.chains.get(route);
  if (!chain) {
    chain = middlewareFor(app.table, route, path).flatMap((m) => m.handlers);
    if (route) app.chains.set(route, chain);
  }
  return chain;
}

async function handle(
  req: Request,
  connInfo: ConnInfo | undefined,
  app: App,
): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname.length > 1 && url.pathname.endsWith("/")) {
    const path = "/" + url.pathname.replace(/^\/+|\/+$/g, "");
    return new Response(null, {
      status: 307,
      headers: { location: path + url.search },
    });
  }
  let path: string[];
  try {
    path = splitPath(url.pathname);
  } catch {
    return new Response("Bad Request", { status: 400 });
  }
  if (path.some((s) => s === "." || s === ".." || /[\\\0]/.test(s))) {
    return new Response("Bad Request", { status: 400 });
  }

  const bundlePath = app.bundlePath;
  const isRead = req.method === "GET" || req.method === "HEAD";
  let destination: Destination = "notFound";
  let route: Route | undefined;
  let params: Record<string, string> = {};
  let staticFile: string | undefined;
  if (url.pathname.startsWith("/_frsh/")) destination = "internal";
  else if (
    isRead && (staticFile = app.staticFiles.lookup("/" + path.join("/")))
  ) {
    destination = "static";
  } else {
    const match = matchRoute(app.table, path);
    if (match) {
      ({ route, params } = match);
      destination = "route";
    }
  }

  const ctx = {
    url,
    params,
    state: {},
    route: route?.pattern ?? "",
    pattern: route?.pattern ?? "",
    isPartial: false,
    destination,
    remoteAddr: connInfo?.remoteAddr ?? UNKNOWN_ADDR,
    localAddr: connInfo?.localAddr,
    basePath: "",
    config: app.config,
    data: undefined,
    error: undefined,
  } as unknown as FreshContext;

  const renderNotFound = (data?: unknown) => notFound(req, ctx, app, data);
  ctx.renderNotFound = renderNotFound;
  ctx.render = () => renderNotFound();

  const final = (): Promise<Response> => {
    switch (destination) {
      case "internal":
        if (isDevMode() && url.pathname === ALIVE_SCRIPT_PATH) {
          return Promise.resolve(aliveScript());
        }
        if (isDevMode() && url.pathname === ALIVE_SOCKET_PATH) {
          return Promise.resolve(aliveSocket(req));
        }
        return serveBundle(req, url, app.build, bundlePath);
      case "static":
        return app.staticFiles.serve(req, url, staticFile!);
      case "route":
        return routeResponse(req, ctx, app, route!, bundlePath);
      default:
        return renderNotFound();
    }
  };

  const chain = chainFor(app, route, path);
  let index = 0;
  ctx.next = () => {
    const mw = chain[index++];
    return mw ? Promise.resolve(mw(req, ctx)) : final();
  };

  let res: Response;
  try {
    res = await ctx.next();
  } catch (err) {
    res = await errorResponse(req, ctx, app, err);
  }
  if (req.method === "HEAD" && res.body) {
    await res.body.cancel();
    res = new Response(null, res);
  }
  return res;
}

/** Calls the route's handler for the method, or renders its page. */
async function routeResponse(
  req: Request,
  ctx: FreshContext,
  app: App,
  route: Route,
  bundlePath: string,
): Promise<Response> {
  ctx.render = (data?: unknown, options?: RenderOptions) => {
    if (!route.page) {
      throw new Error(`Route ${route.pattern} has no page component to render`);
    }
    const components: PageComponent[] = [];
    if (app.table.app && !route.config.skipAppWrapper) {
      components.push(app.table.app);
    }
    for (const layout of layoutsFor(app.table, route)) {
      components.push(layout.component);
    }
    components.push(route.page);
    return renderWith(req, ctx, app, components, data, options, bundlePath);
  };

  const handler = route.handler;
  if (typeof handler === "function") return await handler(req, ctx);
  const handlers: Handlers = { ...handler };
  if (route.page && !handlers.GET) handlers.GET = (_req, ctx) => ctx.render();
  const method = req.method as KnownMethod;
  const fn: Handler | undefined = handlers[method] ??
    (method === "HEAD" ? handlers.GET : undefined);
  if (!fn) {
    const allow = METHODS.filter((m) =>
      handlers[m] || (m === "HEAD" && handlers.GET)
    );
    return new Response("Method Not Allowed", {
      status: 405,
      headers: { allow: allow.join(", ") },
    });
  }
  return await fn(req, ctx);
}

function renderWith(
  req: Request,
  ctx: FreshContext,
  app: App,
  components: PageComponent[],
  data: unknown,
  options: RenderOptions | undefined,
  bundlePath: string,
): Promise<Response> {
  const props: Record<string, unknown> = {
    url: ctx.url,
    params: ctx.params,
    state: ctx.state,
    route: ctx.route,
    pattern: ctx.route,
    isPartial: false,
    destination: ctx.destination,
    remoteAddr: ctx.remoteAddr,
    localAddr: ctx.localAddr,
    basePath: ctx.basePath,
    config: ctx.config,
    data,
    error: ctx.error,
    renderNotFound: ctx.renderNotFound,
  };
  ctx.data = data;
  return renderPage({
    req,
    ctx: props,
    components,
    options,
    bundlePath,
    buildId: app.build.buildId,
    liveReload: isDevMode(),
  });
}

/** `_app` and the root layouts, for `_404` and `_500`. */
function rootComponents(app: App): PageComponent[] {
  const components: PageComponent[] = [];
  if (app.table.app) components.push(app.table.app);
  for (const layout of app.table.layouts) {
    if (layout.dir.length === 0) components.push(layout.component);
  }
  return components;
}

async function notFound(
  req: Request,
  ctx: FreshContext,
  app: App,
  data?: unknown,
): Promise<Response> {
  const mod = app.table.notFound;
  if (!mod?.default) return new Response("Not Found", { status: 404 });
  const page = mod.default;
  const bundlePath = app.bundlePath;
  const render = (d?: unknown, options?: RenderOptions) =>
    renderWith(req, ctx, app, [...rootComponents(app), page], d, {
      ...options,
      status: options?.status ?? 404,
    }, bundlePath);
  const handler = mod.handler;
  const fn = typeof handler === "function"
    ? handler
    : (handler as Handlers | undefined)?.GET;
  if (fn) {
    const notFoundCtx = { ...ctx, render } as FreshContext;
    return await fn(req, notFoundCtx);
  }
  return await render(data);
}

async function errorResponse(
  req: Request,
  ctx: FreshContext,
  app: App,
  err: unknown,
): Promise<Response> {
  if (err instanceof Deno.errors.NotFound) {
    try {
      return await notFound(req, ctx, app);
    } catch (inner) {
      err = inner;
    }
  }
  console.error(`Error answering ${req.method} ${ctx.url.pathname}:`, err);
  const mod = app.table.error;
  const page = mod?.default;
  if (page) {
    ctx.error = err;
    const render = (data?: unknown, options?: RenderOptions) =>
      renderWith(req, ctx, app, [...rootComponents(app), page], data, {
        ...options,
        status: options?.status ?? 500,
      }, app.bundlePath);
    // Fresh 1.x: `_500` may export a handler that wraps its own rendering,
    // the one place an app can shape a response that no middleware sees.
    const handler = typeof mod.handler === "function"
      ? mod.handler as ErrorHandler
      : undefined;
    try {
      return handler
        ? await handler(req, { ...ctx, render } as FreshContext)
        : await render();
    } catch (inner) {
      console.error(`_500 failed for ${ctx.url.pathname}:`, inner);
    }
  }
  return new Response("Internal Server Error", { status: 500 });
}

async function serveBundle(
  req: Request,
  url: URL,
  build: Build,
  bundlePath: string,
): Promise<Response> {
  const name = url.pathname.startsWith(bundlePath + "/")
    ? url.pathname.slice(bundlePath.length + 1)
    : "";
  const content = name && !name.includes("/")
    ? await build.file(name)
    : undefined;
  if (!content || !(req.method === "GET" || req.method === "HEAD")) {
    return new Response("Not Found", { status: 404 });
  }
  const headers = new Headers({
    "content-type": contentType(name),
    "cache-control": "public, max-age=31536000, immutable",
    vary: "accept-encoding",
  });
  let body = content;
  const zipped = acceptsGzip(req) ? await build.gzipped(name) : undefined;
  if (zipped) {
    body = zipped;
    headers.set("content-encoding", "gzip");
  }
  return new Response(body as Uint8Array<ArrayBuffer>, { headers });
}
