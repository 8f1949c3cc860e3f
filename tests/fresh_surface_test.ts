/**
 * The `$fresh/` surface the app touches, held to Fresh 1.7.3's signatures so
 * that pointing the import map at upstream Fresh stays a one-line change.
 * Most of this file is checked by the type checker (`deno test` checks
 * before it runs): each `Expect<Equal<…>>` line fails to compile when our
 * runtime's type drifts from the one written beside it, which is Fresh's as
 * read from its source. The tests then run what the types promise.
 *
 * The second half is the contract the app itself relies on: the project's
 * own `fresh.config.ts` and `fresh.gen.ts`, through `createHandler` and
 * nothing else, serve every kind of route.
 */
import assert from "node:assert/strict";
import type { ComponentType } from "preact";
import dev from "$fresh/dev.ts";
import { asset, Head, IS_BROWSER } from "$fresh/runtime.ts";
import {
  createHandler,
  defineConfig,
  type ErrorHandler,
  type FreshConfig,
  type FreshContext,
  type Handler,
  type Handlers,
  type Manifest,
  type MiddlewareHandler,
  type PageProps,
  type Plugin,
  type PluginMiddleware,
  start,
} from "$fresh/server.ts";
import config from "../fresh.config.ts";
import manifest from "../fresh.gen.ts";
import { livePluginOf } from "../lib/app/plugin.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;
type Expect<T extends true> = T;

// src/server/mod.ts
export type StartIsFresh = Expect<
  Equal<
    typeof start,
    (manifest: Manifest, config?: FreshConfig) => Promise<void>
  >
>;
export type CreateHandlerIsFresh = Expect<
  Equal<
    Awaited<ReturnType<typeof createHandler>> extends
      (req: Request, connInfo?: never) => Promise<Response> ? true : false,
    true
  >
>;
export type DefineConfigIsFresh = Expect<
  Equal<typeof defineConfig, (config: FreshConfig) => FreshConfig>
>;
// dev.ts: `export default dev`
export type DevIsFresh = Expect<
  Equal<
    typeof dev,
    (base: string, entrypoint: string, config?: FreshConfig) => Promise<void>
  >
>;
// src/server/types.ts: FreshContext
type Ctx = FreshContext<{ n: number }, string>;
export type RenderIsFresh = Expect<
  Equal<
    Ctx["render"],
    (data?: string, options?: import("$fresh/server.ts").RenderOptions) =>
      | Response
      | Promise<Response>
  >
>;
export type RenderNotFoundIsFresh = Expect<
  Equal<Ctx["renderNotFound"], (data?: string) => Response | Promise<Response>>
>;
export type NextIsFresh = Expect<Equal<Ctx["next"], () => Promise<Response>>>;
export type ComponentIsFresh = Expect<
  Equal<Ctx["Component"], ComponentType<unknown>>
>;
export type StateIsFresh = Expect<Equal<Ctx["state"], { n: number }>>;
export type RouteFieldsAreFresh = Expect<
  Equal<
    Pick<Ctx, "route" | "pattern" | "isPartial" | "basePath" | "params">,
    {
      route: string;
      pattern: string;
      isPartial: boolean;
      basePath: string;
      params: Record<string, string>;
    }
  >
>;
export type PagePropsIsFresh = Expect<
  Equal<
    PageProps<string, { n: number }>,
    Omit<Ctx, "render" | "next" | "renderNotFound">
  >
>;
export type HandlerIsFresh = Expect<
  Equal<
    Handler<string, { n: number }>,
    (req: Request, ctx: Ctx) => Response | Promise<Response>
  >
>;
export type HandlersIsFresh = Expect<
  Equal<
    keyof Handlers,
    "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "PATCH"
  >
>;
export type MiddlewareHandlerIsFresh = Expect<
  Equal<
    MiddlewareHandler<{ n: number }>,
    (
      req: Request,
      ctx: FreshContext<{ n: number }>,
    ) => Response | Promise<Response>
  >
>;
export type ErrorHandlerIsFresh = Expect<
  Equal<
    ErrorHandler,
    (req: Request, ctx: FreshContext) => Response | Promise<Response>
  >
>;
export type PluginMiddlewareIsFresh = Expect<
  Equal<
    PluginMiddleware<{ n: number }>["middleware"]["handler"],
    MiddlewareHandler<{ n: number }> | MiddlewareHandler<{ n: number }>[]
  >
>;
export type PluginNameIsFresh = Expect<Equal<Plugin["name"], string>>;
// runtime.ts
export type RuntimeIsFresh = Expect<
  Equal<[typeof IS_BROWSER, typeof asset], [boolean, (path: string) => string]>
>;

Deno.test("the runtime's exports are what Fresh's are at run time", () => {
  assert.equal(IS_BROWSER, false);
  assert.equal(typeof Head, "function");
  assert.equal(typeof dev, "function");
  assert.match(asset("/styles.css"), /^\/styles\.css\?__frsh_c=/);
  const same = { plugins: [] };
  assert.equal(defineConfig(same), same);
});

Deno.test("createHandler(manifest, config) from fresh.config.ts alone serves the app", async () => {
  const handler = await createHandler(manifest, config);
  try {
    const home = await handler(new Request("http://127.0.0.1:8000/"));
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Sign in/);

    const live = await handler(new Request("http://127.0.0.1:8000/api/live"));
    assert.equal(live.status, 401);
    assert.deepEqual(await live.json(), { error: "Unauthorized!" });
    assert.equal(live.headers.get("cache-control"), "private, no-store");

    const missing = await handler(
      new Request("http://127.0.0.1:8000/no-such-page"),
    );
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<html/);
    // The plugin's middleware ran for the 404 too: it carries the policy.
    assert.ok(missing.headers.get("content-security-policy"));
  } finally {
    await livePluginOf(config).close();
  }
});
