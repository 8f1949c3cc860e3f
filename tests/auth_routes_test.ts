/**
 * The sign-in routes through the runtime (`createHandler`), against the
 * embedded provider on loopback: the app runs in process, the provider over
 * real HTTP, cookies in a jar shared by host as a browser's are.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import type { FreshContext, Manifest } from "$fresh/server.ts";
import type { State } from "../lib/app/state.ts";
import type { AppConfig } from "../lib/platform/config.ts";
import type { RateLimiter } from "../lib/http/rate_limit.ts";
import { resetLogging, setupLogging } from "../lib/platform/log.ts";
import * as $app from "../routes/_app.tsx";
import * as $callback from "../routes/auth/callback.tsx";
import * as $signin from "../routes/auth/signin.ts";
import * as $signout from "../routes/auth/signout.tsx";
import { CookieJar, request, type Send, walkSignIn } from "./auth_helpers.ts";
import { startTestApp } from "./helpers/app.ts";

const APP = "http://127.0.0.1:8000";
const isApp = (url: URL) => url.origin === APP;

/** The app's auth routes plus a page that shows `ctx.state.user` as JSON. */
const authManifest: Manifest = {
  routes: {
    "./routes/_app.tsx": $app,
    "./routes/auth/callback.tsx": $callback,
    "./routes/auth/signin.ts": $signin,
    "./routes/auth/signout.tsx": $signout,
    "./routes/whoami.ts": {
      handler: (_req: Request, ctx: FreshContext<State>) =>
        Response.json({ user: ctx.state.user }),
    },
    "./routes/index.tsx": {
      default: () => "home",
    },
  },
  islands: {},
  baseUrl: import.meta.url,
};

interface Fixture {
  config: AppConfig;
  signInRateLimit: RateLimiter;
  send: Send;
  /** Like `send`, over a connection from `hostname`. */
  sendFrom(hostname: string): Send;
  jar: CookieJar;
  kv: Deno.Kv;
  logs: LogRecord[];
  bodies: string[];
  clientSecret: string;
  signIn(login?: string, redirect?: string): Promise<Response>;
  whoami(headers?: HeadersInit): Promise<unknown>;
}

async function withApp(
  fn: (f: Fixture) => Promise<void>,
  env: Record<string, string> = {},
) {
  const logs: LogRecord[] = [];
  const bodies: string[] = [];
  await setupLogging({ level: "debug", sink: (r) => logs.push(r) });
  const started = await startTestApp({ SESSION_TTL_SECONDS: "3600", ...env }, {
    manifest: authManifest,
  });
  const { kv } = started.services;
  const { config, handler } = started;
  try {
    const sendFrom = (hostname: string): Send => async (req) => {
      const response = await handler(req, {
        remoteAddr: { transport: "tcp", hostname, port: 50_000 },
      });
      bodies.push(await response.clone().text());
      return response;
    };
    const send = sendFrom("127.0.0.1");
    const jar = new CookieJar();
    const f: Fixture = {
      config,
      signInRateLimit: started.services.limits.signIn,
      send,
      sendFrom,
      jar,
      kv,
      logs,
      bodies,
      clientSecret: started.idp!.clientSecret,
      async signIn(login = "alice", redirect = "/whoami") {
        const { hops } = await walkSignIn(
          jar,
          `${APP}/auth/signin?redirect=${encodeURIComponent(redirect)}`,
          {
            login,
            isApp,
            sendApp: send,
            stopAt: (url) => isApp(url) && !url.pathname.startsWith("/auth/"),
          },
        );
        for (const hop of hops) bodies.push(hop.text);
        const last = hops.at(-1)!;
        return new Response(null, {
          status: last.status,
          headers: last.headers,
        });
      },
      async whoami(headers) {
        const { text } = await request(jar, `${APP}/whoami`, { headers }, send);
        return JSON.parse(text).user;
      },
    };
    await fn(f);

    // Canaries: neither the client secret nor a session id reaches a body
    // or a log line.
    const canaries = [started.idp!.clientSecret];
    for await (const entry of kv.list({ prefix: ["sessions"] })) {
      canaries.push(String(entry.key[1]));
    }
    for (const line of jar.setCookieLines) {
      const m = /^session=([A-Za-z0-9_-]{43})/.exec(line);
      if (m) canaries.push(m[1]);
    }
    const logText = logs.map((r) => JSON.stringify([r.message, r.properties]))
      .join("\n");
    for (const canary of canaries) {
      assert.ok(!logText.includes(canary), "a secret reached the log");
      assert.ok(
        !bodies.some((b) => b.includes(canary)),
        "a secret reached a body",
      );
    }
  } finally {
    await started.close();
    await resetLogging();
  }
}

async function count(kv: Deno.Kv, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

Deno.test("routes: sign in, see the user in ctx.state, sign out", async () => {
  await withApp(async (f) => {
    assert.equal(await f.whoami(), null);
    const t0 = performance.now();
    const callback = await f.signIn("alice", "/whoami");
    console.log(
      `sign-in through the routes: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    assert.equal(callback.status, 302);
    assert.equal(callback.headers.get("location"), "/whoami");

    const cookie = f.jar.get("127.0.0.1", "session")!;
    assert.match(
      cookie.raw,
      /^session=[A-Za-z0-9_-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    assert.equal(await count(f.kv, "sessions"), 1);
    assert.deepEqual(await f.whoami(), {
      id: "embedded:alice",
      provider: "embedded",
      login: "alice",
      name: "alice",
      avatarUrl: null,
    });

    const page = await request(f.jar, `${APP}/auth/signout`, {}, f.send);
    assert.equal(page.response.status, 200);
    assert.match(
      page.text,
      /Signed in as <strong class="user-login">alice<\/strong>/,
    );
    assert.match(page.text, /<form method="post" action="\/auth\/signout">/);

    const out = await request(f.jar, `${APP}/auth/signout`, {
      method: "POST",
      headers: { origin: APP },
    }, f.send);
    assert.equal(out.response.status, 303);
    assert.equal(out.response.headers.get("location"), "/");
    assert.match(
      out.response.headers.get("set-cookie")!,
      /^session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    assert.equal(await count(f.kv, "sessions"), 0);
    assert.equal(f.jar.get("127.0.0.1", "session"), undefined);
    assert.equal(await f.whoami(), null);

    const levels = f.logs.filter((r) => r.category.join(".") === "live.auth")
      .map((r) => `${r.level}:${r.message.join("")}`);
    assert.deepEqual(levels, [
      "info:signed in embedded:alice with embedded",
      "info:signed out embedded:alice",
    ]);
  });
});

Deno.test("routes: sign-out needs POST from this origin; other methods are 405", async () => {
  await withApp(async (f) => {
    await f.signIn();
    for (const origin of [undefined, "https://evil.example", "null"]) {
      const res = await request(f.jar, `${APP}/auth/signout`, {
        method: "POST",
        headers: origin ? { origin } : {},
      }, f.send);
      assert.equal(res.response.status, 403);
      assert.equal(res.response.headers.get("set-cookie"), null);
      assert.equal(await count(f.kv, "sessions"), 1);
    }
    const put = await request(
      f.jar,
      `${APP}/auth/signout`,
      { method: "PUT" },
      f.send,
    );
    assert.equal(put.response.status, 405);
    assert.equal(put.response.headers.get("allow"), "GET, HEAD, POST");
    assert.ok(await f.whoami());
  });
});

Deno.test("routes: bad callbacks get a readable 400 page with a try-again link and store nothing", async () => {
  await withApp(async (f) => {
    const cases = [
      "/auth/callback",
      "/auth/callback?code=abc",
      `/auth/callback?code=abc&state=${"x".repeat(43)}`,
      "/auth/callback?error=access_denied&state=zzz",
    ];
    for (const path of cases) {
      const { response, text } = await request(f.jar, APP + path, {}, f.send);
      assert.equal(response.status, 400, path);
      assert.match(response.headers.get("content-type")!, /text\/html/);
      assert.match(text, /Sign-in failed/);
      assert.match(text, /<a href="\/auth\/signin">Try again<\/a>/);
      assert.doesNotMatch(text, /AuthError|at file:|\.ts:\d/);
      // Only the state cookie's clearing, never a session.
      assert.deepEqual(response.headers.getSetCookie(), [
        "oauth-state=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
      ]);
    }
    assert.equal(await count(f.kv, "sessions"), 0);
  });
});

Deno.test("routes: access_denied, a wrong iss and a rejected code, each after a real start", async () => {
  await withApp(async (f) => {
    const callbackUrl = async (cancel = false) => {
      const { stoppedAt } = await walkSignIn(f.jar, `${APP}/auth/signin`, {
        isApp,
        sendApp: f.send,
        cancel,
        stopAt: (url) => isApp(url) && url.pathname === "/auth/callback",
      });
      return stoppedAt!;
    };
    const denied = await callbackUrl(true);
    let res = await request(f.jar, denied, {}, f.send);
    assert.equal(res.response.status, 400);
    assert.match(res.text, /cancelled or refused/);
    assert.match(res.text, /<code>access_denied<\/code>/);

    const wrongIss = await callbackUrl();
    wrongIss.searchParams.set("iss", "https://evil.example");
    res = await request(f.jar, wrongIss, {}, f.send);
    assert.equal(res.response.status, 400);
    assert.match(res.text, /unexpected provider/);

    const badCode = await callbackUrl();
    badCode.searchParams.set("code", "forged");
    res = await request(f.jar, badCode, {}, f.send);
    assert.equal(res.response.status, 400);
    assert.match(res.text, /did not accept/);

    assert.equal(await count(f.kv, "sessions"), 0);
    assert.equal(await count(f.kv, "oauth"), 0);
    const reasons = f.logs.filter((r) => r.level === "warning")
      .map((r) => r.properties.reason);
    assert.deepEqual(reasons, [
      "provider_denied",
      "issuer_mismatch",
      "token_rejected",
    ]);
  });
});

Deno.test("routes: a failed sign-in's Try again keeps the target it was started with", async () => {
  await withApp(async (f) => {
    const target = "/rooms/1?tab=2#top";
    const retry = `/auth/signin?redirect=${encodeURIComponent(target)}`;
    const tryAgain = (text: string) =>
      /<a href="([^"]*)">Try again<\/a>/.exec(text)?.[1].replaceAll(
        "&amp;",
        "&",
      );

    // A real start, refused at the token endpoint.
    const { stoppedAt } = await walkSignIn(
      f.jar,
      `${APP}/auth/signin?redirect=${encodeURIComponent(target)}`,
      {
        isApp,
        sendApp: f.send,
        stopAt: (url) => isApp(url) && url.pathname === "/auth/callback",
      },
    );
    stoppedAt!.searchParams.set("code", "forged");
    let res = await request(f.jar, stoppedAt!, {}, f.send);
    assert.equal(res.response.status, 400);
    assert.match(res.text, /did not accept/);
    assert.equal(tryAgain(res.text), retry);

    // Following the link starts a sign-in that stores the same target.
    res = await request(f.jar, APP + retry, {}, f.send);
    assert.equal(res.response.status, 302);
    const state = new URL(res.response.headers.get("location")!).searchParams
      .get("state")!;
    const started = await f.kv.get<{ redirectTo: string }>(["oauth", state]);
    assert.equal(started.value?.redirectTo, target);
    await f.kv.delete(["oauth", state]);

    // Records written straight to KV, brought by a browser without the
    // state cookie: the sign-in of another browser (which stays pending, and
    // whose target is not shown to this one), an expired sign-in, and a
    // stored target that is not a path on this site.
    const record = (redirectTo: string, expiresAt = Date.now() + 60_000) => ({
      codeVerifier: "v".repeat(43),
      redirectTo,
      redirectUri: `${APP}/auth/callback`,
      expiresAt,
    });
    const cases: [string, ReturnType<typeof record>, string, RegExp][] = [
      ["s-mismatch", record("/rooms/9"), "/auth/signin", /another browser/],
      [
        "s-expired",
        record("/rooms/9", Date.now() - 1),
        "/auth/signin",
        /expired/,
      ],
      ["s-evil", record("//evil.example"), "/auth/signin", /another browser/],
      [
        "s-evil2",
        record("https://evil.example/x"),
        "/auth/signin",
        /another browser/,
      ],
    ];
    for (const [key, value, link, message] of cases) {
      await f.kv.set(["oauth", key], value);
      const { response, text } = await request(
        new CookieJar(),
        `${APP}/auth/callback?code=abc&state=${key}`,
        {},
        f.send,
      );
      assert.equal(response.status, 400, key);
      assert.match(text, message, key);
      assert.equal(tryAgain(text), link, key);
      await f.kv.delete(["oauth", key]);
    }

    // The browser that started the sign-in gets its target back on failure.
    await f.kv.set(["oauth", "A".repeat(43)], record("/rooms/9"));
    res = await request(
      new CookieJar(),
      `${APP}/auth/callback?code=abc&state=${"A".repeat(43)}`,
      { headers: { cookie: `oauth-state=${"A".repeat(43)}` } },
      f.send,
    );
    assert.equal(res.response.status, 400);
    assert.equal(tryAgain(res.text), "/auth/signin?redirect=%2Frooms%2F9");
    assert.equal((await f.kv.get(["oauth", "A".repeat(43)])).value, null);

    // An unknown state: nothing to keep.
    res = await request(
      f.jar,
      `${APP}/auth/callback?code=abc&state=unknown`,
      {},
      f.send,
    );
    assert.equal(tryAgain(res.text), "/auth/signin");
  });
});

Deno.test("routes: past the sign-in limit an address gets a 429 page with Retry-After and no KV write", async () => {
  await withApp(async (f) => {
    const limit = f.config.signInRateLimitPerMin;
    assert.equal(limit, 30, "the default limit is in place");
    const flooder = f.sendFrom("203.0.113.57");
    const start = (send: Send, redirect = "/rooms/1") =>
      request(
        new CookieJar(),
        `${APP}/auth/signin?redirect=${encodeURIComponent(redirect)}`,
        {},
        send,
      );

    for (let i = 0; i < limit; i++) {
      assert.equal((await start(flooder)).response.status, 302);
    }
    assert.equal(await count(f.kv, "oauth"), limit);

    for (let i = 0; i < 2; i++) {
      const { response, text } = await start(flooder);
      assert.equal(response.status, 429);
      assert.match(response.headers.get("content-type")!, /text\/html/);
      const retryAfter = Number(response.headers.get("retry-after"));
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
        `Retry-After: ${retryAfter}`,
      );
      assert.equal(response.headers.get("cache-control"), "private, no-store");
      assert.equal(response.headers.get("set-cookie"), null);
      assert.equal(response.headers.get("location"), null);
      assert.match(text, /Too many sign-ins/);
      assert.match(text, new RegExp(`wait ${retryAfter} second`));
      assert.match(
        text,
        /<a href="\/auth\/signin\?redirect=%2Frooms%2F1">Try again<\/a>/,
      );
    }
    assert.equal(await count(f.kv, "oauth"), limit, "no record for a refusal");

    // Another address, even on the same /24, has its own allowance.
    for (const other of ["203.0.113.58", "2001:db8::1"]) {
      assert.equal((await start(f.sendFrom(other))).response.status, 302);
    }
    assert.equal(await count(f.kv, "oauth"), limit + 2);

    // One warning for the address's window, naming its network only.
    const warnings = f.logs.filter((r) =>
      r.level === "warning" && r.properties.route === "/auth/signin"
    );
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].properties.network, "203.0.113.0/24");
    const logText = f.logs.map((r) => JSON.stringify([r.message, r.properties]))
      .join("\n");
    assert.ok(!logText.includes("203.0.113.57"), "a full address was logged");
  });
});

Deno.test("routes: SIGNIN_RATE_LIMIT_PER_MIN=0 lets every start through and tracks nothing", async () => {
  await withApp(async (f) => {
    const send = f.sendFrom("203.0.113.57");
    for (let i = 0; i < 40; i++) {
      const { response } = await request(
        new CookieJar(),
        `${APP}/auth/signin`,
        {},
        send,
      );
      assert.equal(response.status, 302);
    }
    assert.equal(await count(f.kv, "oauth"), 40);
    assert.equal(f.signInRateLimit.size, 0);
  }, { SIGNIN_RATE_LIMIT_PER_MIN: "0" });
});

Deno.test("routes: forged, truncated, oversized and duplicated cookies are anonymous, not errors", async () => {
  await withApp(async (f) => {
    await f.signIn();
    const id = f.jar.get("127.0.0.1", "session")!.value;
    for (
      const cookie of [
        `session=${id.slice(0, 20)}`,
        `session=${"A".repeat(43)}`,
        `session=${id}; session=${id}`,
        `session=${id}; x=${"y".repeat(10_000)}`,
        `session=${id}%00`,
        "session=../../etc/passwd",
      ]
    ) {
      const { response, text } = await request(f.jar, `${APP}/auth/signout`, {
        headers: { cookie },
      }, f.send);
      assert.equal(response.status, 200);
      assert.match(text, /You are not signed in/);
    }
  });
});

Deno.test("routes: redirect targets off this site are replaced by /", async () => {
  await withApp(async (f) => {
    for (
      const evil of [
        "https://evil.example",
        "//evil.example",
        "/\\evil",
        "javascript:alert(1)",
        "/%2F%2Fevil.example",
        "/%5Cevil",
        "/\tevil",
      ]
    ) {
      const { response } = await request(
        f.jar,
        `${APP}/auth/signin?redirect=${encodeURIComponent(evil)}`,
        {},
        f.send,
      );
      assert.equal(response.status, 302);
      const state = new URL(response.headers.get("location")!).searchParams.get(
        "state",
      )!;
      const record = await f.kv.get<{ redirectTo: string }>(["oauth", state]);
      assert.equal(record.value?.redirectTo, "/", evil);
      await f.kv.delete(["oauth", state]);
    }
    const landed = await f.signIn("alice", "//evil.example");
    assert.equal(landed.headers.get("location"), "/");
  });
});

Deno.test("routes: an unreachable provider is a 502 page, not a 500", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const started = await startTestApp({
    OAUTH_PROVIDER: "oidc",
    OIDC_ISSUER: `http://127.0.0.1:${port}`,
    OIDC_CLIENT_ID: "live",
    OIDC_CLIENT_SECRET: "secret-canary-value",
  }, { manifest: authManifest });
  const { handler } = started;
  try {
    const res = await handler(
      new Request(`${APP}/auth/signin?redirect=%2Frooms%2F1`),
    );
    const text = await res.text();
    assert.equal(res.status, 502);
    assert.match(text, /could not be reached/);
    assert.match(
      text,
      /<a href="\/auth\/signin\?redirect=%2Frooms%2F1">Try again<\/a>/,
    );
    assert.equal(await count(started.services.kv, "oauth"), 0);
    assert.doesNotMatch(text, /secret-canary-value/);
  } finally {
    await started.close();
  }
});

Deno.test("routes: a subject that cannot be a clientId is refused at the callback with its own 403 page, no session", async () => {
  await withApp(async (f) => {
    // The embedded provider's subject is the name typed in its form.
    for (const login of ["eve*x", "*zz*", "eve,mallory"]) {
      const callback = await f.signIn(login, "/whoami");
      assert.equal(callback.status, 403, login);
      const text = f.bodies.at(-1)!;
      assert.match(text, /Sign-in failed/);
      assert.match(text, /contains a character this app cannot use/);
      assert.ok(!text.includes(login), "the subject is not echoed");
      assert.equal(await f.whoami(), null);
    }
    assert.equal(await count(f.kv, "sessions"), 0);
    assert.equal(await count(f.kv, "users"), 0);
    const reasons = f.logs.filter((r) => r.level === "warning")
      .map((r) => r.properties.reason);
    assert.deepEqual(reasons, Array(3).fill("unusable_subject"));
    // An ordinary name still signs in.
    await f.signIn("eve", "/whoami");
    assert.equal((await f.whoami() as { id: string }).id, "embedded:eve");
  });
});
