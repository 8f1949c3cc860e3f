import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { asset, Head } from "./runtime.ts";
import { BUILD_ID } from "./build_id.ts";
import {
  createHandler,
  type FreshContext,
  type Handlers,
  type Manifest,
  type PageProps,
  type RequestHandler,
} from "./server.ts";
import type { RouteModule } from "./types.ts";
import * as Greeter from "../../tests/fixtures/app/islands/Greeter.tsx";

const BASE = new URL("../../tests/fixtures/app/fresh.gen.ts", import.meta.url)
  .href;

const page = (text: string): RouteModule => ({
  default: () => <p class="page">{text}</p>,
});

/** Captures console.error so expected failures stay out of the test output. */
function captureErrors(): { lines: unknown[][]; [Symbol.dispose](): void } {
  const original = console.error;
  const lines: unknown[][] = [];
  console.error = (...args: unknown[]) => lines.push(args);
  return { lines, [Symbol.dispose]: () => console.error = original };
}

async function app(
  routes: Record<string, RouteModule>,
  islands: Manifest["islands"] = {},
): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const handler: RequestHandler = await createHandler({
    routes,
    islands,
    baseUrl: BASE,
  });
  return (path, init) => handler(new Request("http://localhost" + path, init));
}

async function text(res: Response): Promise<string> {
  return await res.text();
}

Deno.test("routes: index, static, params, rest and groups", async () => {
  const get = await app({
    "./routes/index.tsx": page("home"),
    "./routes/about.tsx": page("about"),
    "./routes/blog/index.tsx": page("blog"),
    "./routes/blog/[slug].tsx": {
      default: (p: PageProps) => <p>post {p.params.slug} at {p.route}</p>,
    },
    "./routes/docs/[...path].tsx": {
      default: (p: PageProps) => <p>doc [{p.params.path}]</p>,
    },
    "./routes/(marketing)/pricing.tsx": page("pricing"),
  });
  assert.match(await text(await get("/")), /home/);
  assert.match(await text(await get("/about")), /about/);
  assert.match(await text(await get("/blog")), />blog</);
  assert.match(
    await text(await get("/blog/hello")),
    /post hello at \/blog\/:slug/,
  );
  assert.match(await text(await get("/docs/a/b")), /doc \[a\/b\]/);
  assert.match(await text(await get("/pricing")), /pricing/);
  const res = await get("/nope/at/all");
  assert.equal(res.status, 404);
  await res.body?.cancel();
});

Deno.test("a static segment wins over a param, a param over a rest", async () => {
  const get = await app({
    "./routes/[...all].tsx": page("rest"),
    "./routes/[name].tsx": page("param"),
    "./routes/new.tsx": page("static"),
  });
  assert.match(await text(await get("/new")), /static/);
  assert.match(await text(await get("/other")), /param/);
  assert.match(await text(await get("/a/b")), /rest/);
});

Deno.test("_app and _layout files wrap pages outer to inner", async () => {
  const get = await app({
    "./routes/_app.tsx": {
      default: ({ Component }: PageProps) => (
        <html>
          <head>
            <title>app</title>
          </head>
          <body>
            <div id="app">
              <Component />
            </div>
          </body>
        </html>
      ),
    },
    "./routes/_layout.tsx": {
      default: ({ Component }: PageProps) => (
        <div id="outer">
          <Component />
        </div>
      ),
    },
    "./routes/admin/_layout.tsx": {
      default: async (_req: Request, ctx: FreshContext) => {
        await Promise.resolve();
        return (
          <div id="inner" data-url={ctx.url.pathname}>
            <ctx.Component />
          </div>
        );
      },
    },
    "./routes/admin/index.tsx": page("admin"),
    "./routes/bare.tsx": {
      ...page("bare"),
      config: { skipAppWrapper: true, skipInheritedLayouts: true },
    },
  });
  const html = await text(await get("/admin"));
  assert.match(
    html,
    /^<!DOCTYPE html><html><head><title>app<\/title><\/head><body><div id="app"><div id="outer"><div id="inner" data-url="\/admin"><p class="page">admin<\/p><\/div><\/div><\/div><\/body><\/html>$/,
  );
  const bare = await text(await get("/bare"));
  assert.doesNotMatch(bare, /id="app"|id="outer"/);
  assert.match(bare, /<p class="page">bare<\/p>/);
});

Deno.test("middleware runs root first and shares ctx.state", async () => {
  const order: string[] = [];
  const get = await app({
    "./routes/_middleware.ts": {
      handler: async (_req: Request, ctx: FreshContext) => {
        order.push(`root:${ctx.destination}`);
        ctx.state.user = "ada";
        const res = await ctx.next();
        res.headers.set("x-root", "1");
        return res;
      },
    },
    "./routes/admin/_middleware.ts": {
      handler: [
        (_req: Request, ctx: FreshContext) => {
          order.push("admin");
          if (ctx.url.searchParams.has("deny")) {
            return new Response("denied", { status: 403 });
          }
          ctx.state.role = "admin";
          return ctx.next();
        },
      ],
    },
    "./routes/(shop)/_middleware.ts": {
      handler: (_req: Request, ctx: FreshContext) => {
        order.push("shop");
        return ctx.next();
      },
    },
    "./routes/(shop)/cart.tsx": page("cart"),
    "./routes/admin/index.tsx": {
      default: ({ state }: PageProps) => <p>{JSON.stringify(state)}</p>,
    },
  });
  const res = await get("/admin");
  assert.equal(res.headers.get("x-root"), "1");
  assert.match(
    await text(res),
    /\{&quot;user&quot;:&quot;ada&quot;,&quot;role&quot;:&quot;admin&quot;\}/,
  );
  assert.deepEqual(order.splice(0), ["root:route", "admin"]);

  const denied = await get("/admin?deny");
  assert.equal(denied.status, 403);
  assert.equal(await text(denied), "denied");
  order.length = 0;

  await (await get("/cart")).body?.cancel();
  assert.deepEqual(order.splice(0), ["root:route", "shop"]);

  await (await get("/hello.txt")).body?.cancel();
  assert.deepEqual(order.splice(0), ["root:static"]);
  await (await get("/missing")).body?.cancel();
  assert.deepEqual(order.splice(0), ["root:notFound"]);
});

Deno.test("unknown paths and renderNotFound get the _404 page", async () => {
  const get = await app({
    "./routes/_404.tsx": page("custom not found"),
    "./routes/users/[id].tsx": {
      handler: {
        GET: (_req, ctx) =>
          ctx.params.id === "1" ? ctx.render() : ctx.renderNotFound(),
      } satisfies Handlers,
      default: page("user one").default,
    },
    "./routes/gone.ts": {
      handler: () => {
        throw new Deno.errors.NotFound("gone");
      },
    },
  });
  for (const path of ["/nowhere", "/users/2", "/gone"]) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    assert.match(await text(res), /custom not found/);
  }
  assert.match(await text(await get("/users/1")), /user one/);
});

Deno.test("a throwing handler renders _500 and the server keeps serving", async () => {
  using errors = captureErrors();
  const get = await app({
    "./routes/_500.tsx": {
      default: ({ error }: PageProps) => (
        <p>failed: {(error as Error).message}</p>
      ),
    },
    "./routes/boom.tsx": {
      handler: () => {
        throw new Error("kaboom");
      },
    },
    "./routes/async-boom.tsx": {
      default: async () => {
        await Promise.resolve();
        throw new Error("async kaboom");
      },
    },
    "./routes/ok.tsx": page("still fine"),
  });
  const res = await get("/boom", { headers: { cookie: "session=secret" } });
  assert.equal(res.status, 500);
  assert.match(await text(res), /failed: kaboom/);
  const asyncRes = await get("/async-boom");
  assert.equal(asyncRes.status, 500);
  assert.match(await text(asyncRes), /failed: async kaboom/);
  assert.match(await text(await get("/ok")), /still fine/);
  assert.equal(errors.lines.length, 2);
  assert.doesNotMatch(Deno.inspect(errors.lines), /secret/);
});

Deno.test("_500's handler wraps the error page, as in Fresh 1.x", async () => {
  using _errors = captureErrors();
  const get = await app({
    "./routes/_500.tsx": {
      handler: async (_req: Request, ctx: FreshContext) => {
        const res = await ctx.render();
        res.headers.set("x-error-page", String((ctx.error as Error).message));
        return res;
      },
      default: () => <p>error page</p>,
    },
    "./routes/boom.ts": {
      handler: () => {
        throw new Error("kaboom");
      },
    },
  });
  const res = await get("/boom");
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("x-error-page"), "kaboom");
  assert.match(await text(res), /error page/);
});

Deno.test("without _500 an error is a plain 500", async () => {
  using _errors = captureErrors();
  const get = await app({
    "./routes/boom.ts": {
      handler: () => {
        throw new Error("kaboom");
      },
    },
  });
  const res = await get("/boom");
  assert.equal(res.status, 500);
  assert.equal(await text(res), "Internal Server Error");
});

Deno.test("an unknown method gets 405 with an Allow header", async () => {
  const get = await app({
    "./routes/form.tsx": {
      handler: { POST: () => new Response("posted") } satisfies Handlers,
      default: page("form").default,
    },
    "./routes/api.ts": {
      handler: { GET: () => Response.json({ ok: true }) } satisfies Handlers,
    },
  });
  const res = await get("/form", { method: "DELETE" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET, HEAD, POST");
  await res.body?.cancel();
  assert.equal(await text(await get("/form", { method: "POST" })), "posted");
  const put = await get("/api", { method: "PUT" });
  assert.equal(put.headers.get("allow"), "GET, HEAD");
  await put.body?.cancel();
});

Deno.test("HEAD answers like GET without a body", async () => {
  const get = await app({
    "./routes/index.tsx": page("home"),
    "./routes/api.ts": {
      handler: {
        GET: () => Response.json({ ok: true }, { headers: { "x-a": "1" } }),
      } satisfies Handlers,
    },
  });
  for (const path of ["/", "/api", "/hello.txt"]) {
    const res = await get(path, { method: "HEAD" });
    assert.equal(res.status, 200, path);
    assert.equal(res.body, null, path);
  }
  const api = await get("/api", { method: "HEAD" });
  assert.equal(api.headers.get("x-a"), "1");
  assert.equal(api.headers.get("content-type"), "application/json");
});

Deno.test("a function handler answers every method", async () => {
  const get = await app({
    "./routes/echo.ts": { handler: (req: Request) => new Response(req.method) },
  });
  assert.equal(await text(await get("/echo", { method: "PATCH" })), "PATCH");
});

Deno.test("a trailing slash redirects to the path without it", async () => {
  const get = await app({ "./routes/about.tsx": page("about") });
  const res = await get("/about/?x=1");
  assert.equal(res.status, 307);
  assert.equal(res.headers.get("location"), "/about?x=1");
  const evil = await get("//evil.example/");
  assert.equal(evil.status, 307);
  assert.equal(evil.headers.get("location"), "/evil.example");
});

Deno.test("ctx.render passes data, status and headers to the page", async () => {
  const get = await app({
    "./routes/greet/[name].tsx": {
      handler: {
        GET: (_req, ctx) =>
          ctx.render({ greeting: `hi ${ctx.params.name}` }, {
            status: 201,
            headers: { "x-greet": "yes" },
          }),
      } satisfies Handlers<{ greeting: string }>,
      default: ({ data }: PageProps<{ greeting: string }>) => (
        <p>{data.greeting}</p>
      ),
    },
    "./routes/async.tsx": {
      default: async (req: Request, ctx: FreshContext) => {
        await Promise.resolve();
        if (new URL(req.url).searchParams.has("go")) {
          return new Response(null, {
            status: 303,
            headers: { location: "/" },
          });
        }
        return <p>async {ctx.url.pathname}</p>;
      },
    },
  });
  const res = await get("/greet/ada");
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("x-greet"), "yes");
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(await text(res), /<p>hi ada<\/p>/);
  assert.match(await text(await get("/async")), /<p>async \/async<\/p>/);
  const redirect = await get("/async?go");
  assert.equal(redirect.status, 303);
  assert.equal(redirect.headers.get("location"), "/");
});

Deno.test("static files have content types, a strong ETag and 304", async () => {
  const get = await app({});
  const expected: Record<string, string> = {
    "/styles.css": "text/css; charset=utf-8",
    "/hello.txt": "text/plain; charset=utf-8",
    "/sub/data.json": "application/json; charset=utf-8",
    "/logo.svg": "image/svg+xml; charset=utf-8",
  };
  for (const [path, type] of Object.entries(expected)) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), type);
    await res.body?.cancel();
  }
  const first = await get("/hello.txt");
  const etag = first.headers.get("etag")!;
  assert.match(etag, /^"[^"]+"$/);
  assert.equal(first.headers.get("cache-control"), "no-cache");
  assert.equal(await text(first), "hello\n");
  assert.equal(await text(await get("/hello.txt")), "hello\n");
  const again = await get("/hello.txt", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body, null);
  const weak = await get("/hello.txt", {
    headers: { "if-none-match": `"other", W/${etag}` },
  });
  assert.equal(weak.status, 304);
  const busted = await get("/hello.txt?__frsh_c=abc");
  assert.equal(
    busted.headers.get("cache-control"),
    "public, max-age=31536000, immutable",
  );
  await busted.body?.cancel();
});

Deno.test("no URL reaches a file outside static/", async () => {
  const get = await app({});
  const attempts = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/sub/..%2f..%2fsecret.txt",
    "/..%5csecret.txt",
    "/sub%5c..%5c..%5csecret.txt",
    "/hello.txt%00",
    "/%00",
    "/%zz",
    "/static/hello.txt",
  ];
  for (const path of attempts) {
    const res = await get(path);
    const body = await text(res);
    assert.ok([400, 404].includes(res.status), `${path}: ${res.status}`);
    assert.doesNotMatch(body, /outside static/, path);
  }
});

Deno.test("asset() adds the build id to local paths only", async () => {
  await app({});
  assert.ok(BUILD_ID.length > 0);
  assert.equal(asset("/styles.css"), `/styles.css?__frsh_c=${BUILD_ID}`);
  assert.equal(asset("/a.css?v=1#x"), `/a.css?v=1&__frsh_c=${BUILD_ID}#x`);
  assert.equal(asset("https://cdn.example/x.css"), "https://cdn.example/x.css");
  assert.equal(asset("//cdn.example/x.css"), "//cdn.example/x.css");
  assert.equal(asset("relative.css"), "relative.css");
});

Deno.test("<Head> children land in <head> and a page title replaces the app's", async () => {
  const get = await app({
    "./routes/_app.tsx": {
      default: ({ Component }: PageProps) => (
        <html>
          <head>
            <title>default</title>
          </head>
          <body>
            <Component />
          </body>
        </html>
      ),
    },
    "./routes/index.tsx": {
      default: () => (
        <main>
          <Head>
            <title>mine</title>
            <meta name="description" content="d" />
          </Head>
          body
        </main>
      ),
    },
  });
  const html = await text(await get("/"));
  assert.match(
    html,
    /<head><title>mine<\/title><meta name="description" content="d"\/><\/head><body><main>body<\/main><\/body>/,
  );
});

Deno.test("islands: markers, one props script and one module script", async () => {
  const name = signal("Ada");
  const get = await app({
    "./routes/index.tsx": {
      default: () => (
        <main>
          <Greeter.default name={name}>
            <em>child</em> text
          </Greeter.default>
          <Greeter.Shout text="</script><!--" />
        </main>
      ),
    },
    "./routes/plain.tsx": page("no islands here"),
  }, { "./islands/Greeter.tsx": Greeter });
  const html = await text(await get("/"));
  assert.match(
    html,
    /<!--frsh-greeter_default:0--><section class="greeter"><p>Hello, Ada<\/p><frsh-slot style="display:contents"><em>child<\/em> text<\/frsh-slot><\/section><!--\/frsh-greeter_default:0-->/,
  );
  assert.match(
    html,
    /<!--frsh-greeter_shout:1--><strong>&lt;\/SCRIPT>&lt;!--<\/strong><!--\/frsh-greeter_shout:1-->/,
  );
  assert.equal(html.match(/<script/g)?.length, 2);
  const state = html.match(
    /<script type="application\/json" id="__FRSH_STATE">(.*?)<\/script>/,
  )![1];
  assert.doesNotMatch(state, /</);
  const bundles = `/_frsh/js/${BUILD_ID}`;
  assert.ok(
    html.includes(
      `<script type="module" src="${bundles}/island-greeter.js" data-frsh-build="${BUILD_ID}" data-frsh-islands="{&quot;greeter_default&quot;:[&quot;island-greeter&quot;,&quot;default&quot;],&quot;greeter_shout&quot;:[&quot;island-greeter&quot;,&quot;Shout&quot;]}"></script></body>`,
    ),
    "one external module script per island bundle names the islands; no inline code",
  );

  const plain = await text(await get("/plain"));
  assert.doesNotMatch(plain, /<script/);
});

Deno.test("an island rendered by an island is part of it, one passed as children is its own", async () => {
  const get = await app({
    "./routes/index.tsx": { default: () => <Greeter.Twice text="inner" /> },
    "./routes/children.tsx": {
      default: () => (
        <Greeter.default name={signal("x")}>
          <Greeter.Shout text="inner" />
        </Greeter.default>
      ),
    },
  }, { "./islands/Greeter.tsx": Greeter });
  const twice = await text(await get("/"));
  assert.deepEqual(twice.match(/<!--frsh-[^>]*/g), [
    "<!--frsh-greeter_twice:0--",
  ]);
  const children = await text(await get("/children"));
  assert.deepEqual(children.match(/<!--frsh-[^>]*/g), [
    "<!--frsh-greeter_default:1--",
    "<!--frsh-greeter_shout:0--",
  ]);
});

Deno.test("a function prop on an island gives the 500 page naming it", async () => {
  using errors = captureErrors();
  const get = await app({
    "./routes/index.tsx": {
      // The spread hides from the type checker a prop the island's type forbids.
      default: () => (
        <Greeter.Shout
          {...{ text: "x", onClick: () => {} } as { text: string }}
        />
      ),
    },
  }, { "./islands/Greeter.tsx": Greeter });
  const res = await get("/");
  assert.equal(res.status, 500);
  await res.body?.cancel();
  assert.match(
    String(errors.lines[0][1]),
    /Island "greeter_shout" prop "onClick": a function cannot be serialized/,
  );
});

Deno.test("island bundles are served immutable under the build id, gzipped when accepted", async () => {
  const get = await app({}, { "./islands/Greeter.tsx": Greeter });
  const res = await get(`/_frsh/js/${BUILD_ID}/island-greeter.js`);
  assert.equal(res.status, 200);
  assert.equal(
    res.headers.get("content-type"),
    "text/javascript; charset=utf-8",
  );
  assert.equal(
    res.headers.get("cache-control"),
    "public, max-age=31536000, immutable",
  );
  const plain = await res.bytes();
  assert.match(new TextDecoder().decode(plain), /__FRSH_STATE/);
  const zipped = await get(`/_frsh/js/${BUILD_ID}/island-greeter.js`, {
    headers: { "accept-encoding": "gzip, deflate, br" },
  });
  assert.equal(zipped.headers.get("content-encoding"), "gzip");
  assert.equal(zipped.headers.get("vary"), "accept-encoding");
  const unzipped = await new Response(
    zipped.body!.pipeThrough(new DecompressionStream("gzip")),
  ).bytes();
  assert.deepEqual(unzipped, plain);
  assert.ok(
    plain.length > (await (await get(
      `/_frsh/js/${BUILD_ID}/island-greeter.js`,
      { headers: { "accept-encoding": "gzip" } },
    )).bytes()).length,
  );
  const stale = await get("/_frsh/js/0000/island-greeter.js");
  assert.equal(stale.status, 404);
  await stale.body?.cancel();
});
