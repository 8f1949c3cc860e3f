/**
 * `GET /api/live` (`routes/api/live.ts`) against its contract, with the app
 * served by `createHandler` on loopback, sessions made by signing in through
 * the embedded provider, and Ably played by the emulator started with a
 * canary key that the app reaches through `ABLY_API_KEY` and `ABLY_ENDPOINT`.
 *
 * Every test ends by checking that the canary key secret appears in no
 * response body, header or log line, and that no session id or cookie value
 * the test sent appears in a log line.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import * as Ably from "ably";
import type { Manifest } from "$fresh/server.ts";
import {
  type Emulator,
  emulatorClientOptions,
  startEmulator,
} from "../lib/emulator/mod.ts";
import { resetLogging, setupLogging } from "../lib/platform/log.ts";
import type { Services } from "../lib/app/services.ts";
import * as $live from "../routes/api/live.ts";
import * as $callback from "../routes/auth/callback.tsx";
import * as $signin from "../routes/auth/signin.ts";
import * as $signout from "../routes/auth/signout.tsx";
import { CookieJar, walkSignIn } from "./auth_helpers.ts";
import { withTimeout } from "../lib/emulator/test_helpers.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { openKvWithoutQueues } from "./helpers/kv_without_queues.ts";

/** The token route and what signing in needs; no islands, so nothing is bundled. */
const manifest: Manifest = {
  routes: {
    "./routes/api/live.ts": $live,
    "./routes/auth/callback.tsx": $callback,
    "./routes/auth/signin.ts": $signin,
    "./routes/auth/signout.tsx": $signout,
  },
  islands: {},
  baseUrl: new URL("../fresh.gen.ts", import.meta.url).href,
};

const NO_STORE = {
  "content-type": "application/json",
  "cache-control": "private, no-store",
  "vary": "Cookie",
};

/**
 * The policy's capability for `embedded:alice` on a page without a room
 * (`/api/live` with no `room`), written out rather than computed by the
 * code under test. Room pages: `rooms_live_test.ts`.
 */
const ALICE_CAPABILITY = '{"user:embedded:alice":["subscribe"]}';

/** A KV store that can be made to fail on demand, as an outage would. */
function failableKv(kv: Deno.Kv): { kv: Deno.Kv; fail(on: boolean): void } {
  let failing = false;
  const proxy = new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (failing) {
        return () => Promise.reject(new Error("KV outage canary-cause"));
      }
      return value.bind(target);
    },
  });
  return { kv: proxy, fail: (on) => failing = on };
}

interface Live {
  url: string;
  services: Services;
  emulator: Emulator;
  logs: LogRecord[];
  /** Values that must not reach a log line (session ids, forged cookies). */
  logCanaries: string[];
  failKv(on: boolean): void;
  /** Signs `login` in; returns the jar holding its session cookie. */
  signIn(login?: string): Promise<CookieJar>;
  /** `GET /api/live` (or `init.method`) with `jar`'s cookies. */
  get(
    jar: CookieJar | undefined,
    init?: RequestInit & { path?: string },
  ): Promise<{ response: Response; text: string }>;
}

/**
 * The app on a loopback port with `env`, the emulator holding a fresh canary
 * key; stops everything and checks for leaks after `fn`.
 */
async function withLive(
  env: Record<string, string>,
  fn: (live: Live) => Promise<void>,
): Promise<void> {
  const secret = `canary${crypto.randomUUID().replaceAll("-", "")}`;
  const apiKey = `canaryApp.canaryKey:${secret}`;
  const logs: LogRecord[] = [];
  const logCanaries: string[] = [];
  const seen: string[] = [];
  await setupLogging({ level: "debug", sink: (r) => logs.push(r) });
  const emulator = await startEmulator({ port: 0, keys: [apiKey] });
  const memory = await openKvWithoutQueues(":memory:");
  const store = failableKv(memory);
  let running: TestApp | undefined;
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  try {
    running = await startTestApp(
      { ABLY_API_KEY: apiKey, ABLY_ENDPOINT: emulator.url, ...env },
      { kv: store.kv, manifest },
    );
    const { handler } = running;
    server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req, info) => {
        const response = await handler(req, info);
        seen.push(
          [...response.headers].join("\n"),
          await response.clone().text(),
        );
        return response;
      },
    );
    const url = `http://127.0.0.1:${server.addr.port}`;
    const live: Live = {
      url,
      services: running.services,
      emulator,
      logs,
      logCanaries,
      failKv: store.fail,
      async signIn(login = "alice") {
        const jar = new CookieJar();
        await walkSignIn(jar, `${url}/auth/signin`, {
          login,
          // Before the landing page, whose look-up would fill the session cache.
          stopAt: (u) => u.origin === url && !u.pathname.startsWith("/auth/"),
        });
        const id = jar.get("127.0.0.1", "session")?.value;
        assert.ok(id, `signed in as ${login}`);
        logCanaries.push(id);
        return jar;
      },
      async get(jar, init = {}) {
        const target = url + (init.path ?? "/api/live");
        const headers = new Headers(init.headers);
        const cookie = jar?.header(target);
        if (cookie && !headers.has("cookie")) headers.set("cookie", cookie);
        const cookieSent = headers.get("cookie");
        if (cookieSent) logCanaries.push(cookieSent);
        const response = await fetch(target, { ...init, headers });
        const text = await response.text();
        return { response, text };
      },
    };
    await fn(live);
  } finally {
    await server?.shutdown();
    await running?.close();
    await emulator.close();
    memory.close();
    await resetLogging();
  }
  const logText = logs.map((r) =>
    Deno.inspect([r.category, r.message, r.properties], { depth: 8 })
  ).join("\n");
  assert.ok(!logText.includes(secret), "the key secret reached a log line");
  assert.ok(
    !seen.some((text) => text.includes(secret)),
    "the key secret reached a response",
  );
  for (const canary of logCanaries) {
    assert.ok(!logText.includes(canary), "a cookie value reached a log line");
  }
}

function assertNoStore(response: Response, what = "") {
  for (const [name, value] of Object.entries(NO_STORE)) {
    assert.equal(response.headers.get(name), value, `${what} ${name}`);
  }
}

/** Rejects after `ms`; the timer is cleared either way. */
const within = <T>(ms: number, promise: Promise<T>): Promise<T> =>
  withTimeout(promise, ms, `${ms} ms`);

/** The warnings and errors of the token route's logger. */
function routeLines(logs: LogRecord[], level: "warning" | "error") {
  return logs.filter((r) =>
    r.level === level && r.category.join(".") === "live.api"
  ).map((r) => r.message.map(String).join(""));
}

/** The spec's MAC (RSA9g) with WebCrypto: base64 HMAC-SHA256 over the six fields, each newline-terminated. */
async function expectedMac(
  secret: string,
  r: Record<string, unknown>,
): Promise<string> {
  const text = [
    r.keyName,
    r.ttl,
    r.capability,
    r.clientId,
    r.timestamp,
    r.nonce,
  ]
    .map((field) => `${field}\n`).join("");
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(text),
  );
  return new Uint8Array(mac).toBase64();
}

function jwtClaims(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1];
  return JSON.parse(
    new TextDecoder().decode(
      Uint8Array.fromBase64(payload, { alphabet: "base64url" }),
    ),
  );
}

for (const mode of ["request", "token", "jwt"]) {
  Deno.test(`${mode} mode: the Realtime SDK connects as the session user with what /api/live returns`, async () => {
    await withLive({ ABLY_TOKEN_MODE: mode }, async (live) => {
      const jar = await live.signIn("alice");
      const first = await live.get(jar);
      assert.equal(first.response.status, 200);
      assertNoStore(first.response);
      const { token } = JSON.parse(first.text);
      const shape = typeof token === "string"
        ? "jwt"
        : "mac" in token
        ? "request"
        : "issued" in token
        ? "token"
        : "unknown";
      assert.equal(shape, mode);

      let fetched = 0;
      const client = new Ably.Realtime({
        ...emulatorClientOptions(live.emulator.url),
        useBinaryProtocol: false,
        logLevel: 0,
        authCallback: (_params, callback) => {
          fetched++;
          live.get(jar).then(
            ({ response, text }) =>
              response.status === 200
                ? callback(null, JSON.parse(text).token)
                : callback(`/api/live answered ${response.status}`, null),
            (error) => callback(String(error), null),
          );
        },
      });
      try {
        await within(5_000, client.connection.whenState("connected"));
        assert.equal(client.auth.clientId, "embedded:alice");
        assert.equal(fetched, 1);
      } finally {
        const closed = client.connection.whenState("closed");
        client.close();
        await within(5_000, closed);
      }
    });
  });
}

Deno.test("request mode: the TokenRequest's MAC is HMAC-SHA256 over the spec's fields, the capability the policy's", async () => {
  await withLive({}, async (live) => {
    const jar = await live.signIn("alice");
    const { text } = await live.get(jar);
    const { token } = JSON.parse(text);
    assert.deepEqual(Object.keys(token), [
      "keyName",
      "clientId",
      "capability",
      "ttl",
      "timestamp",
      "nonce",
      "mac",
    ]);
    assert.equal(token.keyName, "canaryApp.canaryKey");
    assert.equal(token.clientId, "embedded:alice");
    assert.equal(token.capability, ALICE_CAPABILITY);
    assert.equal(token.ttl, 3_600_000);
    assert.match(token.nonce, /^\d{16}$/);
    assert.ok(Math.abs(token.timestamp - Date.now()) < 10_000);
    const secret = live.emulator.keys[0].split(":")[1];
    assert.equal(token.mac, await expectedMac(secret, token));
  });
});

Deno.test("401 for no, malformed, forged, expired and signed-out sessions: exact body, no-store, one warning each", async () => {
  await withLive({}, async (live) => {
    const alice = await live.signIn("alice");
    const id = alice.get("127.0.0.1", "session")!.value;
    assert.equal((await live.get(alice)).response.status, 200);

    const expired = "E".repeat(43);
    await live.services.kv.set(["sessions", expired], {
      user: {
        id: "embedded:old",
        provider: "embedded",
        login: "old",
        name: "old",
        avatarUrl: null,
      },
      createdAt: Date.now() - 120_000,
      expiresAt: Date.now() - 1,
    });
    const cases: [string, HeadersInit, string][] = [
      ["no cookie", {}, "no or malformed session cookie"],
      [
        "malformed",
        { cookie: "session=short" },
        "no or malformed session cookie",
      ],
      [
        "forged",
        { cookie: `session=${"F".repeat(43)}` },
        "unknown or expired session",
      ],
      [
        "expired",
        { cookie: `session=${expired}` },
        "unknown or expired session",
      ],
    ];
    for (const [what, headers, reason] of cases) {
      const before = live.logs.length;
      const { response, text } = await live.get(undefined, { headers });
      assert.equal(response.status, 401, what);
      assert.equal(text, '{"error":"Unauthorized!"}', what);
      assertNoStore(response, what);
      assert.deepEqual(
        routeLines(live.logs.slice(before), "warning"),
        [`GET /api/live refused: ${reason}`],
        what,
      );
    }

    const signOut = await fetch(`${live.url}/auth/signout`, {
      method: "POST",
      headers: { cookie: `session=${id}`, origin: live.url },
      redirect: "manual",
    });
    await signOut.body?.cancel();
    assert.equal(signOut.status, 303);
    const before = live.logs.length;
    const after = await live.get(undefined, {
      headers: { cookie: `session=${id}` },
    });
    assert.equal(after.response.status, 401, "signed out, in this instance");
    assert.equal(after.text, '{"error":"Unauthorized!"}');
    assertNoStore(after.response, "signed out");
    assert.deepEqual(routeLines(live.logs.slice(before), "warning"), [
      "GET /api/live refused: unknown or expired session",
    ]);
  });
});

Deno.test("500 when KV fails or the token service throws: fixed JSON body, the cause logged and not sent", async () => {
  await withLive({}, async (live) => {
    const jar = await live.signIn("alice");
    live.failKv(true);
    const before = live.logs.length;
    const failed = await live.get(jar);
    live.failKv(false);
    assert.equal(failed.response.status, 500);
    assert.equal(failed.text, '{"error":"Internal Server Error"}');
    assertNoStore(failed.response);
    const errors = live.logs.slice(before).filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.match(
      Deno.inspect(errors[0].properties),
      /KV outage canary-cause/,
      "the cause is in the log line",
    );

    const { tokens } = live.services.ably;
    const issue = tokens.issue;
    tokens.issue = () => Promise.reject(new Error("SDK canary-cause"));
    try {
      const thrown = await live.get(jar);
      assert.equal(thrown.response.status, 500);
      assert.equal(thrown.text, '{"error":"Internal Server Error"}');
      assertNoStore(thrown.response);
    } finally {
      tokens.issue = issue;
    }
    assert.match(
      routeLines(live.logs, "error").at(-1)!,
      /^GET \/api\/live failed: .*SDK canary-cause/,
    );
    assert.equal((await live.get(jar)).response.status, 200, "recovered");
  });
});

Deno.test("503 with Retry-After in token mode when the emulator is down, logged as an error", async () => {
  await withLive({ ABLY_TOKEN_MODE: "token" }, async (live) => {
    const jar = await live.signIn("alice");
    await live.emulator.close();
    const before = live.logs.length;
    const { response, text } = await live.get(jar);
    assert.equal(response.status, 503);
    assert.equal(text, '{"error":"Service Unavailable"}');
    assert.equal(response.headers.get("retry-after"), "5");
    assertNoStore(response);
    const errors = live.logs.slice(before).filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.match(errors[0].message.join(""), /^token request failed/);
  });
});

Deno.test("the query string and request headers change neither clientId, capability nor TTL", async () => {
  for (const mode of ["request", "jwt"]) {
    await withLive({ ABLY_TOKEN_MODE: mode }, async (live) => {
      const jar = await live.signIn("alice");
      const { response, text } = await live.get(jar, {
        path:
          "/api/live?clientId=mallory&capability=*&capability=%7B%22*%22%3A%5B%22*%22%5D%7D&ttl=86400000",
        headers: {
          "x-ably-clientid": "mallory",
          "x-client-id": "mallory",
          "authorization": "Bearer mallory",
          "x-forwarded-user": "mallory",
          "x-forwarded-host": "evil.example",
          "x-forwarded-proto": "https",
        },
      });
      assert.equal(response.status, 200, mode);
      const { token } = JSON.parse(text);
      if (mode === "request") {
        assert.equal(token.clientId, "embedded:alice");
        assert.equal(token.capability, ALICE_CAPABILITY);
        assert.equal(token.ttl, 3_600_000);
      } else {
        const claims = jwtClaims(token);
        assert.equal(claims["x-ably-clientId"], "embedded:alice");
        assert.equal(claims["x-ably-capability"], ALICE_CAPABILITY);
        assert.equal(Number(claims.exp) - Number(claims.iat), 3_600);
      }
    });
  }
});

Deno.test("other methods: 405 with Allow: GET, HEAD", async () => {
  await withLive({}, async (live) => {
    const jar = await live.signIn("alice");
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const { response } = await live.get(jar, { method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get("allow"), "GET, HEAD", method);
    }
    const head = await live.get(jar, { method: "HEAD" });
    assert.equal(head.response.status, 200);
    assert.equal(head.text, "");
    assertNoStore(head.response, "HEAD");
  });
});

Deno.test("rate limit: the N+1-th request in a minute is 429 with Retry-After; others' sessions are unaffected", async () => {
  await withLive({ LIVE_RATE_LIMIT_PER_MIN: "3" }, async (live) => {
    const alice = await live.signIn("alice");
    const bob = await live.signIn("bob");
    // Refused sessions do not count: the limit applies after validation.
    for (let i = 0; i < 5; i++) {
      const forged = await live.get(undefined, {
        headers: { cookie: `session=${"F".repeat(43)}` },
      });
      assert.equal(forged.response.status, 401);
    }
    for (let i = 0; i < 3; i++) {
      assert.equal((await live.get(alice)).response.status, 200, `#${i + 1}`);
    }
    const before = live.logs.length;
    for (let i = 0; i < 2; i++) {
      const { response, text } = await live.get(alice);
      assert.equal(response.status, 429);
      assert.equal(text, '{"error":"Too Many Requests"}');
      assertNoStore(response, "429");
      const retryAfter = Number(response.headers.get("retry-after"));
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
        `Retry-After ${retryAfter}`,
      );
    }
    assert.deepEqual(
      routeLines(live.logs.slice(before), "warning"),
      ["GET /api/live refused: rate limit reached for embedded:alice"],
      "one warning per session and window",
    );
    assert.equal((await live.get(bob)).response.status, 200, "bob");
  });
});

Deno.test("rate limit: LIVE_RATE_LIMIT_PER_MIN=0 disables it", async () => {
  await withLive({ LIVE_RATE_LIMIT_PER_MIN: "0" }, async (live) => {
    const jar = await live.signIn("alice");
    for (let i = 0; i < 100; i++) {
      assert.equal((await live.get(jar)).response.status, 200, `#${i + 1}`);
    }
    assert.equal(live.services.limits.live.size, 0);
  });
});

Deno.test("rate limit: KV failing, a cached session still gets its token, with a warning that the limit was not counted", async () => {
  await withLive({ LIVE_RATE_LIMIT_PER_MIN: "1" }, async (live) => {
    const jar = await live.signIn("alice");
    // Caches the session (5 s) and spends the whole allowance.
    assert.equal((await live.get(jar)).response.status, 200);
    live.failKv(true);
    const before = live.logs.length;
    const during = await live.get(jar);
    live.failKv(false);
    assert.equal(during.response.status, 200, "the limit fails open");
    const warnings = live.logs.slice(before).filter((r) =>
      r.level === "warning"
    ).map((r) => r.message.map(String).join(""));
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /^rate limit live: KV failed, hits allowed: /);
    assert.match(warnings[0], /KV outage canary-cause/);
    // KV back: its count (1) stands, so the limit holds again.
    assert.equal((await live.get(jar)).response.status, 429);
  });
});
