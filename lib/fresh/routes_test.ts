import assert from "node:assert/strict";
import { splitPath } from "./router.ts";
import { buildRouteTable, matchRoute } from "./routes.ts";
import type { Manifest, RouteModule } from "./types.ts";

const page = (): null => null;
const mod = { default: page } as unknown as RouteModule;

function table(files: string[]) {
  return buildRouteTable({
    routes: Object.fromEntries(files.map((f) => [`./routes/${f}.tsx`, mod])),
    islands: {},
    baseUrl: "file:///app/",
  } as unknown as Manifest);
}

Deno.test("a route without params is found by lookup, as the sorted walk would", () => {
  const t = table([
    "[...rest]",
    "blog/[slug]",
    "blog/new",
    "[page]",
    "index",
    "api/live",
    "(group)/api/live",
  ]);
  const at = (path: string) => matchRoute(t, splitPath(path));
  assert.equal(at("/blog/new")?.route.pattern, "/blog/new");
  assert.deepEqual(at("/blog/new")?.params, {});
  assert.equal(at("/blog/old")?.route.pattern, "/blog/:slug");
  assert.equal(at("/")?.route.pattern, "/");
  assert.equal(at("/api/live")?.route.dir.join("/"), "api");
  assert.equal(at("/api/live/x")?.route.pattern, "/:rest*");
  // `%2F` decodes to a slash inside one segment: no static route matches it.
  assert.equal(at("/blog%2Fnew")?.route.pattern, "/:page");
  assert.deepEqual(at("/blog%2Fnew")?.params, { page: "blog/new" });
});
