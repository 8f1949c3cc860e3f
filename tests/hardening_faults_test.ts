/**
 * The app when what it depends on fails:
 *
 * - KV closed: sign-in and its callback show the error page (500),
 *   `/api/live` answers 500 JSON, public pages and static files keep
 *   serving, the failure is logged.
 * - the KV file unwritable (made immutable under a live store, where the file
 *   system allows it): whatever writes (sign-in, sign-out) shows the error
 *   page, whatever only reads (pages, tokens for existing sessions) works.
 * - the Ably service down in `token` mode: `/api/live` answers 503 JSON with
 *   `Retry-After`.
 * - the sign-in provider down, before the sign-in or in the middle of it: a
 *   readable 502 page with a link to try again.
 * - SIGTERM to `deno run -A main.ts` while a request is in flight: the
 *   request completes, then the process exits 0.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { startEmulator } from "../lib/emulator/mod.ts";
import { resetLogging, setupLogging } from "../lib/platform/log.ts";
import { CookieJar, walkSignIn } from "./auth_helpers.ts";
import {
  APP,
  quietErrors,
  spawnApp,
  startInProcessApp,
} from "./hardening_helpers.ts";
import { openKvWithoutQueues } from "./helpers/kv_without_queues.ts";

const NO_LIMIT = { LIVE_RATE_LIMIT_PER_MIN: "0" };

/** `chattr +i` works here (root on a file system that supports it). */
const canMakeImmutable = (() => {
  const probe = Deno.makeTempFileSync({ prefix: "live-chattr-" });
  try {
    const set = new Deno.Command("chattr", { args: ["+i", probe] })
      .outputSync();
    new Deno.Command("chattr", { args: ["-i", probe] }).outputSync();
    return set.success;
  } catch {
    return false;
  } finally {
    Deno.removeSync(probe);
  }
})();

function chattr(flag: "+i" | "-i", files: string[]): void {
  const { success, stderr } = new Deno.Command("chattr", {
    args: [flag, ...files],
  }).outputSync();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
}

function assertErrorPage(what: string, response: Response, text: string) {
  assert.equal(response.status, 500, what);
  assert.match(text, /Something went wrong/, what);
  assert.match(text, /try again in a moment/, what);
  assert.ok(response.headers.get("content-security-policy"), what);
}

Deno.test("with KV closed, sign-in shows the error page, /api/live answers 500 JSON, public pages serve", async () => {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  const kv = await openKvWithoutQueues(":memory:");
  try {
    await using app = await startInProcessApp(NO_LIMIT, { kv });
    const jar = new CookieJar();
    await app.signIn(jar, "alice");
    kv.close();

    await quietErrors(async (errors) => {
      const anonymous = new CookieJar();
      const signin = await app.send(anonymous, "/auth/signin");
      assertErrorPage("sign-in", signin.response, signin.text);
      const callback = await app.send(
        anonymous,
        `/auth/callback?state=${"s".repeat(43)}&code=x`,
      );
      assertErrorPage("callback", callback.response, callback.text);
      assert.equal(errors.length, 2, "each failure logged by the runtime");
    });

    const live = await app.send(new CookieJar(), "/api/live", {
      headers: { cookie: `session=${"u".repeat(43)}` },
    });
    assert.equal(live.response.status, 500);
    assert.equal(
      live.response.headers.get("content-type"),
      "application/json",
    );
    assert.deepEqual(JSON.parse(live.text), { error: "Internal Server Error" });

    // Pages read the session too, and render as anonymous without it.
    for (const path of ["/", "/about", "/auth/signout", "/styles.css"]) {
      const { response } = await app.send(new CookieJar(), path, {
        headers: { cookie: `session=${"v".repeat(43)}` },
      });
      assert.equal(response.status, 200, path);
    }
    assert.ok(
      records.some((r) =>
        r.level === "error" &&
        String(r.rawMessage).startsWith("session look-up failed")
      ),
      "the page's failed look-up is logged",
    );
    assert.ok(
      records.some((r) =>
        r.level === "error" && r.category.join(".") === "live.api"
      ),
      "the token route's failure is logged",
    );
  } finally {
    await resetLogging();
  }
});

Deno.test({
  name:
    "with the KV file unwritable, writes show the error page and reads keep working",
  ignore: !canMakeImmutable,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "live-kv-" });
    const path = `${dir}/kv.sqlite3`;
    const kv = await openKvWithoutQueues(path);
    // The shared-memory index stays writable: SQLite maps it, and an
    // immutable mapping is a crash, not a failed write.
    const files = [path, `${path}-wal`];
    let locked = false;
    try {
      await using app = await startInProcessApp(NO_LIMIT, { kv });
      const jar = new CookieJar();
      await app.signIn(jar, "alice");
      chattr("+i", files);
      locked = true;

      await quietErrors(async () => {
        const signin = await app.send(new CookieJar(), "/auth/signin");
        assertErrorPage("sign-in", signin.response, signin.text);
        const signout = await app.send(jar, "/auth/signout", {
          method: "POST",
          headers: { origin: APP },
        });
        assertErrorPage("sign-out", signout.response, signout.text);
      });
      for (const path of ["/about", "/auth/signout"]) {
        assert.equal((await app.send(jar, path)).response.status, 200, path);
      }
      assert.equal((await app.send(jar, "/api/live")).response.status, 200);
    } finally {
      if (locked) chattr("-i", files);
      kv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("with the Ably service down in token mode, /api/live answers 503 with Retry-After", async () => {
  const key = "fault.key:faultsecretfaultsecret";
  const emulator = await startEmulator({ keys: [key] });
  let open = true;
  try {
    await using app = await startInProcessApp({
      ...NO_LIMIT,
      ABLY_API_KEY: key,
      ABLY_ENDPOINT: emulator.url,
      ABLY_TOKEN_MODE: "token",
    });
    const jar = new CookieJar();
    await app.signIn(jar, "alice");
    assert.equal((await app.send(jar, "/api/live")).response.status, 200);

    await emulator.close();
    open = false;
    const started = performance.now();
    const { response, text } = await app.send(jar, "/api/live");
    assert.equal(response.status, 503);
    assert.match(response.headers.get("retry-after") ?? "", /^\d+$/);
    assert.deepEqual(JSON.parse(text), { error: "Service Unavailable" });
    assert.ok(performance.now() - started < 10_000, "answered in bounded time");
    assert.equal((await app.send(jar, "/about")).response.status, 200);
  } finally {
    if (open) await emulator.close();
  }
});

Deno.test("with the provider down, before or during sign-in, a readable 502 page offers a retry", async () => {
  // Nothing listens on a port just released.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = listener.addr.port;
  listener.close();
  {
    await using app = await startInProcessApp({
      OAUTH_PROVIDER: "oidc",
      OIDC_ISSUER: `http://127.0.0.1:${deadPort}`,
      OIDC_CLIENT_ID: "live",
      OIDC_CLIENT_SECRET: "unused-secret",
    });
    const { response, text } = await app.send(new CookieJar(), "/auth/signin");
    assert.equal(response.status, 502);
    assert.match(text, /could not be reached/);
    assert.match(text, /<a href="\/auth\/signin">Try again<\/a>/);
  }
  {
    await using app = await startInProcessApp();
    const jar = new CookieJar();
    const { stoppedAt } = await walkSignIn(jar, `${APP}/auth/signin`, {
      isApp: (url) => url.origin === APP,
      sendApp: (req) => app.handler(req),
      stopAt: (url) => url.origin === APP && url.pathname === "/auth/callback",
    });
    assert.ok(stoppedAt, "the provider sent the browser back with a code");
    await app.idp!.close();
    const { response, text } = await app.send(
      jar,
      stoppedAt.pathname + stoppedAt.search,
    );
    assert.equal(response.status, 502);
    assert.match(text, /could not be reached/);
    assert.match(text, /<a href="\/auth\/signin">Try again<\/a>/);
    assert.equal(jar.get("127.0.0.1", "session"), undefined);
  }
});

Deno.test("SIGTERM lets an in-flight request finish, then main.ts exits 0", async () => {
  // A provider whose discovery takes a while: the app's first sign-in waits
  // on it, which makes a request that is surely in flight at SIGTERM.
  let discovery: () => void = () => {};
  const discovered = new Promise<void>((resolve) => discovery = resolve);
  const slow: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req): Promise<Response> => {
      const issuer = `http://127.0.0.1:${slow.addr.port}`;
      if (new URL(req.url).pathname !== "/.well-known/openid-configuration") {
        return new Response("Not Found", { status: 404 });
      }
      discovery();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return Response.json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
      });
    },
  );
  const dir = await Deno.makeTempDir({ prefix: "live-sigterm-" });
  try {
    await using child = await spawnApp({
      DENO_KV_PATH: `${dir}/kv.sqlite3`,
      OAUTH_PROVIDER: "oidc",
      OIDC_ISSUER: `http://127.0.0.1:${slow.addr.port}`,
      OIDC_CLIENT_ID: "live",
      OIDC_CLIENT_SECRET: "sigterm-test-secret",
    });
    const inFlight = fetch(`${child.url}/auth/signin`, { redirect: "manual" });
    await discovered;
    const started = performance.now();
    child.process.kill("SIGTERM");

    const response = await inFlight;
    await response.body?.cancel();
    assert.equal(response.status, 302, "the in-flight sign-in completed");
    assert.match(response.headers.get("location")!, /\/authorize\?/);
    const status = await child.stop("SIGTERM");
    assert.equal(status.code, 0, child.lines.join("\n"));
    assert.ok(performance.now() - started >= 1000, "it waited for the request");
    assert.ok(
      child.lines.some((l) => l.includes("SIGTERM: finishing in-flight")),
    );
    // The start line says what an operator needs, redacting nothing that is
    // no secret, and carries none that is.
    const listening = child.lines.find((l) => l.includes("listening on"));
    assert.match(
      listening ?? "",
      /sign-in: oidc; credentials: request; instance \w+\)/,
    );
    assert.ok(!child.lines.some((l) => l.includes("sigterm-test-secret")));
    await assert.rejects(fetch(`${child.url}/about`), "nothing listens after");
  } finally {
    await slow.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
