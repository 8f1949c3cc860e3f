/**
 * The route table of a manifest: page and handler routes sorted by
 * specificity, `_middleware` and `_layout` files with the folder they govern,
 * and the root `_app`, `_404` and `_500`. Other files starting with `_` are
 * not routes. A route is governed by the middleware and layouts of every
 * folder above it, `(group)` folders included.
 */
import {
  compareSegments,
  matchSegments,
  parseSegments,
  patternText,
  type Segment,
} from "./router.ts";
import type {
  Handler,
  Handlers,
  Manifest,
  MiddlewareHandler,
  PageComponent,
  Plugin,
  RouteConfig,
  RouteModule,
} from "./types.ts";

/** A file in `routes/` that answers requests. */
export interface Route {
  /** URL pattern segments. */
  segments: Segment[];
  /** Pattern text for `ctx.route`. */
  pattern: string;
  /** Folders of the file below `routes/`, groups included. */
  dir: string[];
  /** The page component, if any. */
  page?: PageComponent;
  /** A handler for every method, or handlers per method. */
  // deno-lint-ignore no-explicit-any -- route data and state types are the route author's
  handler?: Handler<any, any> | Handlers<any, any>;
  /** The route's `config` export. */
  config: RouteConfig;
}

/** A `_layout` file. */
export interface Layout {
  /** Folder it governs. */
  dir: string[];
  /** The layout component. */
  component: PageComponent;
  /** Its `config` export. */
  config: RouteConfig;
}

/** A `_middleware` file. */
export interface Middleware {
  /** Folder it governs. */
  dir: string[];
  /** Its handlers, run in order. */
  // deno-lint-ignore no-explicit-any -- state types are the middleware author's
  handlers: MiddlewareHandler<any>[];
}

/** Everything the handler needs to route a request. */
export interface RouteTable {
  /** Routes, most specific first. */
  routes: Route[];
  /** Middleware, outer folders first. */
  middlewares: Middleware[];
  /** Layouts, outer folders first. */
  layouts: Layout[];
  /** `_app`'s component. */
  app?: PageComponent;
  /** `_404`. */
  notFound?: RouteModule;
  /** `_500`. */
  error?: RouteModule;
  /**
   * Routes without params by their segments joined with NUL (which no
   * accepted path contains), each the first in `routes` with those segments.
   * When one matches, no route before it in `routes` can: every earlier
   * route is as specific segment by segment, so it would have to be the
   * same pattern. A lookup here answers most requests without walking the
   * list.
   */
  staticRoutes: Map<string, Route>;
}

const staticKey = (segments: string[]) => segments.join("\0");

const isAncestor = (dir: string[], of: string[]) =>
  dir.length <= of.length && dir.every((part, i) => of[i] === part);

/**
 * The manifest's route files followed by what plugins add, keyed as files
 * under `routes/` would be: each plugin middleware path becomes a
 * `_middleware` of that folder (several plugins on one folder chain in
 * plugin order), each plugin route a route file. Coming after the
 * manifest's, a plugin's middleware runs after the app's own `_middleware`
 * of the same folder, as in Fresh 1.7.
 */
function routeFiles(
  manifest: Manifest,
  plugins: Plugin[],
): [string, RouteModule][] {
  const files = Object.entries(manifest.routes);
  const folders = new Map<string, MiddlewareHandler[]>();
  for (
    const { path, middleware } of plugins.flatMap((p) => p.middlewares ?? [])
  ) {
    const folder = "/" + path.replace(/^\/+|\/+$/g, "");
    const key = `./routes${folder === "/" ? "" : folder}/_middleware.ts`;
    const chain = folders.get(key) ?? [];
    const handler = middleware.handler;
    chain.push(...(Array.isArray(handler) ? handler : [handler]));
    folders.set(key, chain);
  }
  for (const [key, handler] of folders) files.push([key, { handler }]);
  for (const route of plugins.flatMap((p) => p.routes ?? [])) {
    const path = route.path.startsWith("/") ? route.path : "/" + route.path;
    files.push([`./routes${path}.ts`, {
      default: route.component,
      handler: route.handler,
    }]);
  }
  return files;
}

/** Builds the route table from a manifest's `routes` and the plugins'. */
export function buildRouteTable(
  manifest: Manifest,
  plugins: Plugin[] = [],
): RouteTable {
  const table: RouteTable = {
    routes: [],
    middlewares: [],
    layouts: [],
    staticRoutes: new Map(),
  };
  for (const [key, mod] of routeFiles(manifest, plugins)) {
    const parts = key.replace(/^\.\/routes\//, "").replace(/\.[^./]+$/, "")
      .split("/");
    const name = parts.pop()!;
    if (name === "_middleware") {
      const handler = mod.handler;
      const handlers = Array.isArray(handler) ? handler : [handler];
      if (handlers.every((h) => typeof h === "function")) {
        table.middlewares.push({
          dir: parts,
          handlers: handlers as MiddlewareHandler[],
        });
      }
    } else if (name === "_layout" && mod.default) {
      table.layouts.push({
        dir: parts,
        component: mod.default,
        config: mod.config ?? {},
      });
    } else if (parts.length === 0 && name === "_app") table.app = mod.default;
    else if (parts.length === 0 && name === "_404") table.notFound = mod;
    else if (parts.length === 0 && name === "_500") table.error = mod;
    else if (!name.startsWith("_")) {
      const segments = parseSegments([...parts, name]);
      table.routes.push({
        segments,
        pattern: patternText(segments),
        dir: parts,
        page: mod.default,
        handler: mod.handler as Route["handler"],
        config: mod.config ?? {},
      });
    }
  }
  table.routes.sort((a, b) => compareSegments(a.segments, b.segments));
  for (const route of table.routes) {
    if (!route.segments.every((s) => s.kind === "static")) continue;
    const key = staticKey(route.segments.map((s) => s.value));
    if (!table.staticRoutes.has(key)) table.staticRoutes.set(key, route);
  }
  table.middlewares.sort((a, b) => a.dir.length - b.dir.length);
  table.layouts.sort((a, b) => a.dir.length - b.dir.length);
  return table;
}

/** The first route matching `path`, with its params. */
export function matchRoute(
  table: RouteTable,
  path: string[],
): { route: Route; params: Record<string, string> } | undefined {
  const route = table.staticRoutes.get(staticKey(path));
  if (route) return { route, params: {} };
  for (const route of table.routes) {
    const params = matchSegments(route.segments, path);
    if (params) return { route, params };
  }
}

/**
 * Middleware for a request: for a route, that of every folder above the
 * route file; for anything else (static files, bundles, not found), that of
 * plain folders whose URL path is a prefix of the request path.
 */
export function middlewareFor(
  table: RouteTable,
  route: Route | undefined,
  path: string[],
): Middleware[] {
  if (route) {
    return table.middlewares.filter((m) => isAncestor(m.dir, route.dir));
  }
  return table.middlewares.filter((m) =>
    !m.dir.some((part) => /^\(.+\)$/.test(part)) &&
    matchSegments(parseSegments(m.dir), path, true) !== null
  );
}

/** Layouts for a route, outer first, honouring `skipInheritedLayouts`. */
export function layoutsFor(table: RouteTable, route: Route): Layout[] {
  if (route.config.skipInheritedLayouts) return [];
  let layouts = table.layouts.filter((l) => isAncestor(l.dir, route.dir));
  const last = layouts.findLastIndex((l) => l.config.skipInheritedLayouts);
  if (last > 0) layouts = layouts.slice(last);
  return layouts;
}
