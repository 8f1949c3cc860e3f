/**
 * Where a `GET /api/live` request's microseconds go, in process: the same
 * `createHandler` the server runs, called one request at a time, peeled
 * layer by layer.
 *
 * 1. the runtime alone: routing, context and a handler that answers a
 *    constant JSON body (no middleware);
 * 2. the same constant route behind the app plugin's middleware chain
 *    (services on `ctx.state`, security headers, private caching, the
 *    session look-up that `/api/` routes skip);
 * 3. the real `/api/live` with a signed-in session: cookie, cached session
 *    look-up, rate limit, policy, TokenRequest signing, JSON answer.
 *
 * Run: `deno bench -A bench/request_path_bench.ts`. Read, never asserted:
 * the figures move with the machine's load.
 */
import { createHandler, type Manifest } from "$fresh/server.ts";
import manifest from "../fresh.gen.ts";
import { CookieJar } from "../tests/auth_helpers.ts";
import { startInProcessApp } from "../tests/hardening_helpers.ts";
import { FRESH_BUILD, startTestApp } from "../tests/helpers/app.ts";

const constant = () =>
  new Response('{"ok":true}', {
    headers: { "content-type": "application/json" },
  });
const constantManifest: Manifest = {
  routes: { "./routes/api/constant.ts": { handler: constant } },
  islands: {},
  baseUrl: manifest.baseUrl,
};

const bare = await createHandler(constantManifest, FRESH_BUILD);
const env = { LIVE_RATE_LIMIT_PER_MIN: "0" };
const plugged = await startTestApp(env, { manifest: constantManifest });
const app = await startInProcessApp(env);
const jar = new CookieJar();
await app.signIn(jar, "bench");
const cookie = jar.header("http://127.0.0.1:8000/api/live")!;

const constantRequest = () => new Request("http://127.0.0.1:8000/api/constant");
const liveRequest = () =>
  new Request("http://127.0.0.1:8000/api/live", { headers: { cookie } });

Deno.bench("runtime only: constant JSON route, no middleware", {
  group: "path",
  baseline: true,
}, async () => {
  await (await bare(constantRequest())).body?.cancel();
});

Deno.bench("constant JSON route behind the app plugin's middleware", {
  group: "path",
}, async () => {
  await (await plugged.handler(constantRequest())).body?.cancel();
});

Deno.bench("GET /api/live, signed in (request mode)", {
  group: "path",
}, async () => {
  await (await app.handler(liveRequest())).body?.cancel();
});

globalThis.addEventListener("unload", () => {
  // deno bench has no teardown hook; the process ends right after.
  void app[Symbol.asyncDispose]();
  void plugged.close();
});
