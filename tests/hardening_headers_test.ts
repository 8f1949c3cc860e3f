/**
 * Security headers (`lib/http/security_headers.ts`, applied by
 * the app plugin's middleware and `routes/_500.tsx`) on every kind of response
 * the app gives. That the app still runs under the policy in Chromium is
 * `hardening_browser_test.ts`.
 */
import assert from "node:assert/strict";
import {
  ablySources,
  contentSecurityPolicy,
  JSON_SECURITY_HEADERS,
} from "../lib/http/security_headers.ts";
import { CookieJar, request } from "./auth_helpers.ts";
import { startTestApp } from "./helpers/app.ts";
import { openKvWithoutQueues } from "./helpers/kv_without_queues.ts";

/** Bundle in memory, so a stale `_fresh/` cannot stand in for the islands. */
const APP = "http://127.0.0.1:8000";

function assertSecurityHeaders(
  what: string,
  headers: Headers,
  policy: string,
  https = false,
): void {
  assert.equal(headers.get("content-security-policy"), policy, what);
  assert.equal(headers.get("x-content-type-options"), "nosniff", what);
  assert.equal(
    headers.get("referrer-policy"),
    "strict-origin-when-cross-origin",
    what,
  );
  assert.equal(headers.get("x-frame-options"), "DENY", what);
  assert.equal(
    headers.has("strict-transport-security"),
    https,
    `${what}: HSTS on https only`,
  );
}

/**
 * JSON answers carry exactly `nosniff` and a deny-all CSP, not the page's
 * four headers: nothing in them is rendered, and each header is paid for on
 * the hot token route (see `lib/http/security_headers.ts`).
 */
function assertJsonSecurityHeaders(what: string, headers: Headers): void {
  assert.equal(
    headers.get("content-security-policy"),
    "default-src 'none'; frame-ancestors 'none'",
    what,
  );
  assert.equal(headers.get("x-content-type-options"), "nosniff", what);
  assert.equal(headers.has("referrer-policy"), false, what);
  assert.equal(headers.has("x-frame-options"), false, what);
  assert.equal(headers.has("strict-transport-security"), false, what);
  assert.deepEqual(JSON_SECURITY_HEADERS, {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
  });
}

Deno.test("the policy names the emulator, a custom endpoint, or Ably's hosts", () => {
  assert.deepEqual(
    ablySources({ endpoint: "127.0.0.1", port: 9000, tls: false }),
    ["ws://127.0.0.1:9000", "http://127.0.0.1:9000"],
  );
  assert.deepEqual(
    ablySources({ endpoint: "ably.example.com", tlsPort: 443, tls: true }),
    ["wss://ably.example.com:443", "https://ably.example.com:443"],
  );
  const sources = ablySources({});
  // ably-js 2.x: primary main.realtime.ably.net, fallbacks and connectivity
  // checks on ably-realtime.com.
  for (const host of ["*.ably.net", "*.ably-realtime.com", "*.ably.io"]) {
    assert.ok(sources.includes(`wss://${host}`), host);
    assert.ok(sources.includes(`https://${host}`), host);
  }
  const policy = contentSecurityPolicy({});
  for (
    const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' https: data:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ]
  ) assert.ok(policy.includes(directive), directive);
  assert.ok(!policy.includes("unsafe"), "no unsafe-inline or unsafe-eval");
});

Deno.test("every kind of response carries the security headers", async () => {
  // A store of the test's own, closed below to make the app fail.
  const kv = await openKvWithoutQueues(":memory:");
  await using test = await startTestApp({}, { kv });
  const { ably } = test.services;
  const policy = contentSecurityPolicy(ably.browserOptions);
  assert.match(
    policy,
    new RegExp(
      `connect-src 'self' ws://127\\.0\\.0\\.1:${
        ably.emulator!.port
      } http://127\\.0\\.0\\.1:${ably.emulator!.port};`,
    ),
  );
  const { handler } = test;
  const jar = new CookieJar();
  const send = (path: string, init: RequestInit = {}, base = APP) =>
    request(jar, base + path, init, (req) => handler(req));

  const home = await send("/");
  assert.equal(home.response.status, 200);
  assertSecurityHeaders("GET /", home.response.headers, policy);
  // `asset()` stamps the build id on the stylesheet of every page.
  const buildId = /__frsh_c=([\w-]+)/.exec(home.text)?.[1];
  assert.ok(buildId, "the page links its stylesheet through asset()");
  const bundle = `/_frsh/js/${buildId}/island-liveroom.js`;

  const cases: [string, string, RequestInit, number][] = [
    ["about page", "/about", {}, 200],
    ["static file", "/styles.css", {}, 200],
    ["island bundle", bundle, {}, 200],
    ["not found", "/no-such-page", {}, 404],
    ["method not allowed", "/about", { method: "PUT" }, 405],
    ["sign-in redirect", "/auth/signin", {}, 302],
    ["sign-out page", "/auth/signout", {}, 200],
    [
      "cross-origin sign-out",
      "/auth/signout",
      { method: "POST", headers: { origin: "https://evil.example" } },
      403,
    ],
    ["failed callback", "/auth/callback?state=x", {}, 400],
  ];
  for (const [what, path, init, status] of cases) {
    const { response } = await send(path, init);
    assert.equal(response.status, status, what);
    assertSecurityHeaders(what, response.headers, policy);
  }

  const https = await send("/about", {}, "https://127.0.0.1:8443");
  assertSecurityHeaders("https page", https.response.headers, policy, true);

  const token = await send("/api/live");
  assert.equal(token.response.status, 401);
  assertJsonSecurityHeaders(
    "token route without a session",
    token.response.headers,
  );
  const tokenHttps = await send("/api/live", {}, "https://127.0.0.1:8443");
  assert.equal(
    tokenHttps.response.headers.get("strict-transport-security"),
    "max-age=63072000; includeSubDomains",
    "JSON over https: HSTS too",
  );

  // `_500` is rendered outside the middleware; its handler adds the headers.
  kv.close();
  const failed = await send("/auth/signin");
  assert.equal(failed.response.status, 500);
  assert.match(failed.text, /Something went wrong/);
  assertSecurityHeaders("error page", failed.response.headers, policy);
});
