import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { startIdp } from "../idp/mod.ts";
import { resetLogging, setupLogging } from "../platform/log.ts";
import { CookieJar, request, walkSignIn } from "../../tests/auth_helpers.ts";
import {
  type Auth,
  AuthError,
  type AuthOptions,
  createAuth,
  oidcProvider,
} from "./mod.ts";
import { isLoopbackCallback } from "./start.ts";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";

/** The app is called in process at this origin; the provider is real, on loopback. */
const APP = "http://127.0.0.1:8000";
const isApp = (url: URL) => url.origin === APP;

interface Fixture {
  auth: Auth;
  kv: Deno.Kv;
  jar: CookieJar;
  clientSecret: string;
  issuer: URL;
  logs: LogRecord[];
  bodies: string[];
  /** The app: sign-in routes answered by `auth`, `/me` shows the user. */
  app: (request: Request) => Promise<Response>;
  /** Signs in as `login`; returns the callback's response. */
  signIn(login?: string, redirect?: string): Promise<Response>;
  /** Starts a sign-in and stops at the callback URL the provider sends back. */
  callbackUrl(options?: { cancel?: boolean }): Promise<URL>;
  clock: { offsetMs: number };
}

async function withFixture(
  fn: (f: Fixture) => Promise<void>,
  options: Pick<AuthOptions, "trustProxy"> = {},
) {
  const logs: LogRecord[] = [];
  const bodies: string[] = [];
  await setupLogging({ level: "debug", sink: (r) => logs.push(r) });
  const kv = await openKvWithoutQueues(":memory:");
  const idp = await startIdp({ redirectUris: isLoopbackCallback });
  const clock = { offsetMs: 0 };
  const auth = createAuth({
    kv,
    provider: oidcProvider({
      name: "embedded",
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
    }),
    sessionTtlSeconds: 3600,
    now: () => Date.now() + clock.offsetMs,
    ...options,
  });
  const app = async (req: Request): Promise<Response> => {
    const { pathname } = new URL(req.url);
    let response: Response;
    if (pathname === "/auth/signin") response = await auth.signIn(req);
    else if (pathname === "/auth/callback") {
      try {
        response = (await auth.handleCallback(req)).response;
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        response = new Response(error.code, { status: 400 });
      }
    } else if (pathname === "/auth/signout") response = await auth.signOut(req);
    else {
      response = Response.json({ user: await auth.getSessionUser(req) });
    }
    const copy = response.clone();
    bodies.push(await copy.text());
    return response;
  };
  const jar = new CookieJar();
  const fixture: Fixture = {
    auth,
    kv,
    jar,
    clientSecret: idp.clientSecret,
    issuer: idp.issuer,
    logs,
    bodies,
    app,
    clock,
    async signIn(login = "alice", redirect = "/rooms/1") {
      const { hops } = await walkSignIn(
        jar,
        `${APP}/auth/signin?redirect=${encodeURIComponent(redirect)}`,
        {
          login,
          isApp,
          sendApp: app,
          stopAt: (url) => isApp(url) && !url.pathname.startsWith("/auth/"),
        },
      );
      for (const hop of hops) bodies.push(hop.text);
      const last = hops.at(-1)!;
      assert.equal(new URL(last.url).pathname, "/auth/callback");
      return new Response(last.text, {
        status: last.status,
        headers: last.headers,
      });
    },
    async callbackUrl(options = {}) {
      const { stoppedAt } = await walkSignIn(jar, `${APP}/auth/signin`, {
        isApp,
        sendApp: app,
        cancel: options.cancel,
        stopAt: (url) =>
          url.origin === APP && url.pathname === "/auth/callback",
      });
      assert.ok(stoppedAt, "the provider sent the browser back");
      return stoppedAt;
    },
  };
  try {
    await fn(fixture);
    // Canaries: the client secret and any session id must never reach a
    // response body or a log line.
    const sessionIds: string[] = [];
    for await (const entry of kv.list({ prefix: ["sessions"] })) {
      sessionIds.push(String(entry.key[1]));
    }
    for (const line of jar.setCookieLines) {
      const m = /^(?:__Host-)?session=([A-Za-z0-9_-]{43})/.exec(line);
      if (m) sessionIds.push(m[1]);
    }
    const logText = logs.map((r) => JSON.stringify([r.message, r.properties]))
      .join("\n");
    for (const canary of [idp.clientSecret, ...sessionIds]) {
      assert.ok(!logText.includes(canary), "a secret reached the log");
      assert.ok(
        !bodies.some((b) => b.includes(canary)),
        "a secret reached a body",
      );
    }
  } finally {
    await idp.close();
    kv.close();
    await resetLogging();
  }
}

async function sessionCount(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: ["sessions"] })) n++;
  return n;
}

async function me(f: Fixture, headers?: HeadersInit) {
  const { text } = await request(f.jar, `${APP}/me`, { headers }, f.app);
  return JSON.parse(text).user;
}

Deno.test("sign-in through the embedded provider stores a session, sets the cookie, lands on the target", async () => {
  await withFixture(async (f) => {
    const started = performance.now();
    const callback = await f.signIn("alice", "/rooms/1?tab=2");
    const elapsed = performance.now() - started;
    console.log(`sign-in flow: ${elapsed.toFixed(0)} ms`);

    assert.equal(callback.status, 302);
    assert.equal(callback.headers.get("location"), "/rooms/1?tab=2");
    const cookie = f.jar.get("127.0.0.1", "session");
    assert.ok(cookie);
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
    assert.match(
      cookie.raw,
      /; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    assert.equal(
      f.jar.get("127.0.0.1", "oauth-state"),
      undefined,
      "state cookie cleared",
    );

    const stored = await f.kv.get<{ user: unknown; expiresAt: number }>([
      "sessions",
      cookie.value,
    ]);
    assert.deepEqual(stored.value?.user, {
      id: "embedded:alice",
      provider: "embedded",
      login: "alice",
      name: "alice",
      avatarUrl: null,
    });
    assert.equal((await me(f)).login, "alice");
    const signedIn = f.logs.find((r) => r.level === "info");
    assert.ok(signedIn);
    assert.equal(signedIn.properties.userId, "embedded:alice");

    // The sign-in record is gone: single use.
    for await (const _ of f.kv.list({ prefix: ["oauth"] })) {
      assert.fail("sign-in state left in KV");
    }
  });
});

Deno.test("sign-out deletes the KV session and clears the cookie", async () => {
  await withFixture(async (f) => {
    await f.signIn();
    const id = f.jar.get("127.0.0.1", "session")!.value;
    assert.ok(await me(f));
    const { response } = await request(
      f.jar,
      `${APP}/auth/signout`,
      { method: "POST" },
      f.app,
    );
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/");
    assert.match(response.headers.get("set-cookie")!, /^session=; Max-Age=0;/);
    assert.equal((await f.kv.get(["sessions", id])).value, null);
    assert.equal(f.jar.get("127.0.0.1", "session"), undefined);
    // The old cookie, replayed, no longer signs anyone in (and the cache
    // forgot it at once).
    assert.equal(await me(f, { cookie: `session=${id}` }), null);
  });
});

Deno.test("each sign-in gets a new session id and ends the previous one", async () => {
  await withFixture(async (f) => {
    await f.signIn("alice");
    const first = f.jar.get("127.0.0.1", "session")!.value;
    await f.signIn("bob");
    const second = f.jar.get("127.0.0.1", "session")!.value;
    assert.notEqual(first, second);
    assert.equal((await f.kv.get(["sessions", first])).value, null);
    assert.equal((await me(f)).id, "embedded:bob");
  });
});

async function callbackError(
  f: Fixture,
  url: URL | string,
  headers?: HeadersInit,
) {
  const { response, text } = await request(f.jar, url, { headers }, f.app);
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("set-cookie"), null);
  assert.equal(await sessionCount(f.kv), 0, "no session stored");
  return text;
}

Deno.test("a callback without state, or with an unknown one, is refused", async () => {
  await withFixture(async (f) => {
    assert.equal(
      await callbackError(f, `${APP}/auth/callback?code=x`),
      "missing_state",
    );
    assert.equal(
      await callbackError(
        f,
        `${APP}/auth/callback?code=x&state=${"A".repeat(43)}`,
      ),
      "invalid_state",
    );
    assert.equal(
      await callbackError(
        f,
        `${APP}/auth/callback?code=x&state=${"A".repeat(600)}`,
      ),
      "invalid_state",
    );
  });
});

Deno.test("a callback's state is single use: the replay is refused", async () => {
  await withFixture(async (f) => {
    const url = await f.callbackUrl();
    const cookie = f.jar.header(url)!;
    const { response } = await request(f.jar, url, {}, f.app);
    assert.equal(response.status, 302);
    await f.kv.delete(["sessions", f.jar.get("127.0.0.1", "session")!.value]);
    assert.equal(await callbackError(f, url, { cookie }), "invalid_state");
  });
});

Deno.test("two callbacks racing with one state: exactly one signs in", async () => {
  await withFixture(async (f) => {
    const url = await f.callbackUrl();
    const cookie = f.jar.header(url)!;
    const results = await Promise.allSettled([
      f.auth.handleCallback(new Request(url, { headers: { cookie } })),
      f.auth.handleCallback(new Request(url, { headers: { cookie } })),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [
      "fulfilled",
      "rejected",
    ]);
    const failed = results.find((r) => r.status === "rejected")!;
    assert.equal(failed.reason.code, "invalid_state");
  });
});

Deno.test("an expired sign-in state is refused even if KV still holds it", async () => {
  await withFixture(async (f) => {
    const url = await f.callbackUrl();
    f.clock.offsetMs = 11 * 60 * 1000;
    assert.equal(await callbackError(f, url), "invalid_state");
  });
});

Deno.test("a state from another browser is refused (login CSRF)", async () => {
  await withFixture(async (f) => {
    const url = await f.callbackUrl();
    // The victim's browser has no state cookie, or a different one.
    assert.equal(
      await callbackError(f, url, { cookie: "x=y" }),
      "state_mismatch",
    );
    // Nor is the sign-in spent, nor its target named: both are the other
    // browser's. The cookie the failure clears is this browser's own.
    await assert.rejects(
      f.auth.handleCallback(new Request(url)),
      (e) =>
        e instanceof AuthError && e.code === "state_mismatch" &&
        e.redirectTo === undefined &&
        e.setCookie.some((line) => line.startsWith("oauth-state=; Max-Age=0")),
    );
    const state = url.searchParams.get("state")!;
    assert.notEqual((await f.kv.get(["oauth", state])).value, null);
  });
});

Deno.test("with trustProxy the flow sees the forwarded https origin", async () => {
  await withFixture(async (f) => {
    const forwarded = { forwarded: "proto=https;host=live.example" };
    const start = await f.auth.signIn(
      new Request("http://10.0.0.5:8000/auth/signin", { headers: forwarded }),
    );
    const location = new URL(start.headers.get("location")!);
    assert.equal(
      location.searchParams.get("redirect_uri"),
      "https://live.example/auth/callback",
    );
    assert.match(start.headers.getSetCookie()[0], /^__Host-oauth-state=/);

    const id = "S".repeat(43);
    await f.auth.sessions.create(id, {
      id: "embedded:alice",
      provider: "embedded",
      login: "alice",
      name: "alice",
      avatarUrl: null,
    });
    const signedIn = new Request("http://10.0.0.5:8000/", {
      headers: { ...forwarded, cookie: `__Host-session=${id}` },
    });
    assert.equal(f.auth.getSessionId(signedIn), id);
    assert.equal((await f.auth.getSessionUser(signedIn))?.login, "alice");
    const out = await f.auth.signOut(signedIn);
    assert.match(out.headers.get("set-cookie")!, /^__Host-session=;.*Secure$/);
    assert.equal(await f.auth.getSessionUser(signedIn), null);
  }, { trustProxy: true });
});

Deno.test("error=access_denied from the provider is refused with the provider's code", async () => {
  await withFixture(async (f) => {
    const url = await f.callbackUrl({ cancel: true });
    assert.equal(url.searchParams.get("error"), "access_denied");
    const text = await callbackError(f, url);
    assert.equal(text, "provider_denied");
    const warning = f.logs.find((r) => r.level === "warning")!;
    assert.equal(warning.properties.reason, "provider_denied");
    assert.equal(warning.properties.providerError, "access_denied");
  });
});

Deno.test("a wrong or missing iss is refused (RFC 9207)", async () => {
  await withFixture(async (f) => {
    const url = await f.callbackUrl();
    url.searchParams.set("iss", "https://evil.example");
    assert.equal(await callbackError(f, url), "issuer_mismatch");

    const again = await f.callbackUrl();
    again.searchParams.delete("iss");
    assert.equal(await callbackError(f, again), "issuer_mismatch");
  });
});

Deno.test("a code the provider rejects fails the sign-in as token_rejected", async () => {
  await withFixture(async (f) => {
    const url = await f.callbackUrl();
    url.searchParams.set("code", "not-a-code-the-provider-issued");
    assert.equal(await callbackError(f, url), "token_rejected");
    const warning = f.logs.find((r) => r.level === "warning")!;
    assert.equal(warning.properties.providerError, "invalid_grant");
    assert.ok(!JSON.stringify(warning).includes("not-a-code"));
  });
});

Deno.test("a callback without a code, or with a parameter twice, is invalid_response", async () => {
  await withFixture(async (f) => {
    const noCode = await f.callbackUrl();
    noCode.searchParams.delete("code");
    assert.equal(await callbackError(f, noCode), "invalid_response");

    const twice = await f.callbackUrl();
    twice.searchParams.append("code", "another");
    assert.equal(await callbackError(f, twice), "invalid_response");
  });
});

Deno.test("forged, truncated, oversized and duplicated session cookies mean no session", async () => {
  await withFixture(async (f) => {
    await f.signIn();
    const id = f.jar.get("127.0.0.1", "session")!.value;
    assert.equal((await me(f, { cookie: `session=${id}` })).login, "alice");
    const cases = [
      `session=${id.slice(0, 42)}`,
      `session=${id}x`,
      `session=${id.slice(0, 42)}!`,
      `session=${"A".repeat(43)}`,
      `session=${id}; session=${id}`,
      `session=${id}; other=${"x".repeat(9000)}`,
      `__Host-session=${id}`,
      `session=${encodeURIComponent(id + "=")}`,
      "session",
      "",
    ];
    for (const cookie of cases) {
      assert.equal(await me(f, { cookie }), null, cookie.slice(0, 60));
    }
  });
});

Deno.test("a provider that cannot be reached is provider_unavailable, not a crash", async () => {
  const kv = await openKvWithoutQueues(":memory:");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  try {
    const auth = createAuth({
      kv,
      provider: oidcProvider({
        issuer: new URL(`http://127.0.0.1:${port}`),
        clientId: "c",
        clientSecret: "s",
      }),
      sessionTtlSeconds: 60,
    });
    await assert.rejects(
      auth.signIn(new Request(`${APP}/auth/signin`)),
      (error) =>
        error instanceof AuthError && error.code === "provider_unavailable",
    );
  } finally {
    kv.close();
  }
});
