/**
 * `TRUST_PROXY` through the real manifest: behind a TLS-terminating proxy
 * the app hears plain http from the proxy's address, and the proxy's
 * `Forwarded` / `X-Forwarded-*` headers say what the browser used. On, they
 * decide the cookies (`__Host-`, `Secure`), HSTS, the OAuth `redirect_uri`,
 * sign-out's Origin check and the sign-in limit's client; off, they are
 * ignored. The app is addressed as the proxy would address it.
 */
import assert from "node:assert/strict";
import { newSessionId } from "../lib/auth/cookies.ts";
import { CookieJar, request } from "./auth_helpers.ts";
import { type InProcessApp, startInProcessApp } from "./hardening_helpers.ts";

/** Where the proxy sends requests: the app's own listener, plain http. */
const UPSTREAM = "http://10.0.0.5:8000";
const PROXY_ADDRESS = "10.0.0.1";
const PUBLIC_ORIGIN = "https://live.example";

const FORWARDED_FAMILIES: [string, Record<string, string>][] = [
  ["X-Forwarded-*", {
    "x-forwarded-proto": "https",
    "x-forwarded-host": "live.example",
    "x-forwarded-for": "198.51.100.7",
  }],
  ["Forwarded", {
    forwarded: 'for=198.51.100.7;proto=https;host="live.example"',
  }],
];

function viaProxy(
  app: InProcessApp,
  path: string,
  headers: Record<string, string>,
  init: RequestInit = {},
) {
  return request(
    new CookieJar(),
    UPSTREAM + path,
    { ...init, headers: { ...headers, ...init.headers as object } },
    (req) =>
      app.handler(req, {
        remoteAddr: { transport: "tcp", hostname: PROXY_ADDRESS, port: 40_000 },
      }),
  );
}

Deno.test("TRUST_PROXY on: the sign-in start is https: __Host- Secure state cookie, https redirect_uri, HSTS", async () => {
  await using app = await startInProcessApp({ TRUST_PROXY: "true" });
  for (const [family, headers] of FORWARDED_FAMILIES) {
    const { response } = await viaProxy(app, "/auth/signin", headers);
    assert.equal(response.status, 302, family);
    const location = new URL(response.headers.get("location")!);
    assert.equal(
      location.searchParams.get("redirect_uri"),
      `${PUBLIC_ORIGIN}/auth/callback`,
      family,
    );
    const [cookie] = response.headers.getSetCookie();
    assert.match(cookie, /^__Host-oauth-state=[\w-]{43}; /, family);
    assert.match(cookie, /; Path=\/;/);
    assert.match(cookie, /; Secure$/);
    assert.doesNotMatch(cookie, /Domain=/i);
    assert.equal(
      response.headers.get("strict-transport-security"),
      "max-age=63072000; includeSubDomains",
      family,
    );
    const state = location.searchParams.get("state")!;
    const stored = await app.services.kv.get<{ redirectUri: string }>([
      "oauth",
      state,
    ]);
    assert.equal(stored.value?.redirectUri, `${PUBLIC_ORIGIN}/auth/callback`);
  }
});

Deno.test("TRUST_PROXY on: the __Host- session is read, and sign-out accepts the public origin only", async () => {
  await using app = await startInProcessApp({ TRUST_PROXY: "true" });
  const [, headers] = FORWARDED_FAMILIES[0];
  const sid = newSessionId();
  await app.services.auth.sessions.create(sid, {
    id: "embedded:alice",
    provider: "embedded",
    login: "alice",
    name: "alice",
    avatarUrl: null,
  });
  const cookie = `__Host-session=${sid}`;

  const page = await viaProxy(app, "/auth/signout", { ...headers, cookie });
  assert.match(page.text, /Signed in as <strong class="user-login">alice/);

  for (
    const origin of [UPSTREAM, "http://live.example", "https://evil.example"]
  ) {
    const refused = await viaProxy(app, "/auth/signout", {
      ...headers,
      cookie,
      origin,
    }, { method: "POST" });
    assert.equal(refused.response.status, 403, origin);
  }
  const out = await viaProxy(app, "/auth/signout", {
    ...headers,
    cookie,
    origin: PUBLIC_ORIGIN,
  }, { method: "POST" });
  assert.equal(out.response.status, 303);
  assert.match(
    out.response.headers.get("set-cookie")!,
    /^__Host-session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
  );
  assert.equal(await app.services.auth.sessions.getUser(sid), null);
});

Deno.test("TRUST_PROXY on: the sign-in limit counts the forwarded client, right-most entry", async () => {
  await using app = await startInProcessApp({
    TRUST_PROXY: "true",
    SIGNIN_RATE_LIMIT_PER_MIN: "2",
  });
  const from = (xff: string) =>
    viaProxy(app, "/auth/signin", { "x-forwarded-for": xff });
  // Two clients behind one proxy: each its own allowance.
  for (const client of ["198.51.100.1", "198.51.100.2"]) {
    assert.equal((await from(client)).response.status, 302);
    assert.equal((await from(client)).response.status, 302);
  }
  // What a client writes to the left of its real address changes nothing.
  const spoofed = await from("203.0.113.99, 198.51.100.1");
  assert.equal(spoofed.response.status, 429);
  // Forwarded's right-most `for`, IPv6 on its /64.
  const v6 = (address: string) =>
    viaProxy(app, "/auth/signin", {
      forwarded: `for=203.0.113.5, for="[${address}]:4711"`,
    });
  assert.equal((await v6("2001:db8:5::1")).response.status, 302);
  assert.equal((await v6("2001:db8:5::2")).response.status, 302);
  assert.equal((await v6("2001:db8:5::3")).response.status, 429);
});

Deno.test("TRUST_PROXY off (default): forwarding headers are ignored", async () => {
  await using app = await startInProcessApp({ SIGNIN_RATE_LIMIT_PER_MIN: "2" });
  assert.equal(app.services.config.trustProxy, false);
  for (const [family, headers] of FORWARDED_FAMILIES) {
    const { response } = await viaProxy(app, "/auth/signin", headers);
    const location = new URL(response.headers.get("location")!);
    assert.equal(
      location.searchParams.get("redirect_uri"),
      `${UPSTREAM}/auth/callback`,
      family,
    );
    assert.match(response.headers.getSetCookie()[0], /^oauth-state=/);
    assert.equal(response.headers.get("strict-transport-security"), null);
  }
  // Both starts above came from the proxy's address: the limit is reached
  // whatever X-Forwarded-For says.
  const third = await viaProxy(app, "/auth/signin", {
    "x-forwarded-for": "198.51.100.200",
  });
  assert.equal(third.response.status, 429);
  const signOut = await viaProxy(app, "/auth/signout", {
    origin: PUBLIC_ORIGIN,
    "x-forwarded-proto": "https",
    "x-forwarded-host": "live.example",
  }, { method: "POST" });
  assert.equal(signOut.response.status, 403);
});

Deno.test("TRUST_PROXY on: malformed forwarding headers are ignored, never a 500", async () => {
  await using app = await startInProcessApp({ TRUST_PROXY: "true" });
  const garbage: Record<string, string>[] = [
    { "x-forwarded-proto": "javascript" },
    { "x-forwarded-proto": "https, ftp" },
    { "x-forwarded-host": "evil.example/path" },
    { "x-forwarded-host": "user@evil.example" },
    { "x-forwarded-host": "a..b" },
    { "x-forwarded-host": "live.example:99999" },
    { forwarded: 'proto="https' },
    { forwarded: "proto=https;proto=http" },
    { forwarded: "host=evil.example/x;proto=https" },
    { forwarded: "for=;;;,,=" },
  ];
  for (const headers of garbage) {
    const { response } = await viaProxy(app, "/auth/signin", headers);
    assert.equal(response.status, 302, JSON.stringify(headers));
    const redirectUri = new URL(response.headers.get("location")!)
      .searchParams.get("redirect_uri")!;
    const { origin } = new URL(redirectUri);
    assert.ok(
      origin === UPSTREAM || origin === "https://10.0.0.5:8000",
      `${JSON.stringify(headers)} → ${redirectUri}`,
    );
  }
});
