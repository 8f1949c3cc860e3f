/**
 * No personalised response may be stored by a shared cache (or the
 * browser's back-forward history of another user of the machine): every
 * route of `fresh.gen.ts`, signed in and signed out, is requested, and each
 * response that depends on the session — every HTML page for a request with
 * a session cookie, every `/auth/*` and `/api/*` answer — must say
 * `Cache-Control: private, no-store` and `Vary: Cookie`. Static files and
 * island bundles keep their `immutable` caching.
 */
import assert from "node:assert/strict";
import manifest from "../fresh.gen.ts";
import { CookieJar } from "./auth_helpers.ts";
import { APP, quietErrors, startInProcessApp } from "./hardening_helpers.ts";
import { openKvWithoutQueues } from "./helpers/kv_without_queues.ts";

interface Case {
  path: string;
  init?: RequestInit;
}

const SAME_ORIGIN_POST = { method: "POST", headers: { origin: APP } };

/** The requests that reach each route file; a new route must be added here. */
const CASES: Record<string, Case[]> = {
  "./routes/_404.tsx": [{ path: "/no-such-page" }],
  // Rendered for a failing route: exercised below with KV closed.
  "./routes/_500.tsx": [],
  "./routes/_app.tsx": [{ path: "/about" }],
  "./routes/about.tsx": [{ path: "/about" }],
  "./routes/api/invitations/index.ts": [{ path: "/api/invitations" }],
  "./routes/api/invitations/[roomId].ts": [{
    path: "/api/invitations/lobby",
    init: { method: "DELETE", headers: { origin: APP } },
  }],
  "./routes/api/live.ts": [{ path: "/api/live" }],
  "./routes/api/notify-me.ts": [{
    path: "/api/notify-me",
    init: SAME_ORIGIN_POST,
  }],
  "./routes/api/rooms/index.ts": [
    { path: "/api/rooms" },
    {
      path: "/api/rooms",
      init: {
        method: "POST",
        headers: { origin: APP, "content-type": "application/json" },
        body: JSON.stringify({ name: "Cached?", private: true }),
      },
    },
  ],
  "./routes/api/rooms/[id]/index.ts": [{ path: "/api/rooms/lobby" }],
  "./routes/api/rooms/[id]/invitations/index.ts": [
    { path: "/api/rooms/lobby/invitations" },
  ],
  "./routes/api/rooms/[id]/invitations/[userId].ts": [{
    path: "/api/rooms/lobby/invitations/embedded:alice",
    init: { method: "DELETE", headers: { origin: APP } },
  }],
  "./routes/api/rooms/[id]/members/index.ts": [
    { path: "/api/rooms/lobby/members" },
  ],
  "./routes/api/rooms/[id]/members/[userId].ts": [{
    path: "/api/rooms/lobby/members/embedded:alice",
    init: { method: "DELETE", headers: { origin: APP } },
  }],
  "./routes/api/rooms/[id]/messages.ts": [
    { path: "/api/rooms/lobby/messages" },
    {
      path: "/api/rooms/lobby/messages",
      init: {
        method: "POST",
        headers: { origin: APP, "content-type": "application/json" },
        body: JSON.stringify({ text: "hi", id: "private-caching-1" }),
      },
    },
  ],
  "./routes/api/rooms/[id]/messages/[messageId].ts": [
    {
      path: "/api/rooms/lobby/messages/01J00000000000000000000000",
      init: {
        method: "PATCH",
        headers: { origin: APP, "content-type": "application/json" },
        body: JSON.stringify({ text: "hi" }),
      },
    },
    {
      path: "/api/rooms/lobby/messages/01J00000000000000000000000",
      init: { method: "DELETE", headers: { origin: APP } },
    },
  ],
  "./routes/api/rooms/[id]/read.ts": [{
    path: "/api/rooms/lobby/read",
    init: { method: "POST", headers: { origin: APP } },
  }],
  "./routes/api/rooms/[id]/names.ts": [
    { path: "/api/rooms/lobby/names?ids=embedded:alice" },
  ],
  "./routes/rooms/[id].tsx": [{ path: "/rooms/lobby" }],
  "./routes/rooms/index.ts": [{
    path: "/rooms",
    init: {
      method: "POST",
      headers: {
        origin: APP,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "name=Cached",
    },
  }],
  "./routes/auth/callback.tsx": [{ path: "/auth/callback?state=x" }],
  "./routes/auth/signin.ts": [{ path: "/auth/signin" }],
  "./routes/auth/signout.tsx": [
    { path: "/auth/signout" },
    { path: "/auth/signout", init: { method: "POST" } },
  ],
  "./routes/index.tsx": [{ path: "/" }],
  "./routes/invitations/[roomId].ts": [{
    path: "/invitations/lobby",
    init: {
      method: "POST",
      headers: {
        origin: APP,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "action=decline",
    },
  }],
};

function assertPrivate(what: string, headers: Headers): void {
  assert.equal(headers.get("cache-control"), "private, no-store", what);
  assert.ok(
    (headers.get("vary") ?? "").split(",").some((v) =>
      v.trim().toLowerCase() === "cookie"
    ),
    `${what}: Vary ${headers.get("vary")}`,
  );
}

Deno.test("every session-dependent response of every route is private, no-store, Vary: Cookie", async () => {
  // A store of the test's own, closed below to make the app fail.
  const kv = await openKvWithoutQueues(":memory:");
  let kvOpen = true;
  using _closeKv = {
    [Symbol.dispose]: () => kvOpen && kv.close(),
  };
  await using app = await startInProcessApp({}, { kv });
  assert.deepEqual(
    Object.keys(manifest.routes).sort(),
    Object.keys(CASES).sort(),
    "every route of fresh.gen.ts has its cases",
  );
  const signedIn = new CookieJar();
  await app.signIn(signedIn, "alice");

  for (const [route, cases] of Object.entries(CASES)) {
    for (const { path, init } of cases) {
      for (
        const [who, jar] of [["signed in", signedIn], [
          "signed out",
          new CookieJar(),
        ]] as const
      ) {
        const { response, text } = await app.send(jar, path, init);
        const what = `${route} ${
          init?.method ?? "GET"
        } ${path} ${who} (${response.status})`;
        const html = response.headers.get("content-type")?.startsWith(
          "text/html",
        );
        if (who === "signed in" && html) assertPrivate(what, response.headers);
        if (/^\/(auth|api)\//.test(path)) assertPrivate(what, response.headers);
        if (who === "signed in" && path === "/") {
          assert.match(
            text,
            /Signed in as/,
            "the personalised page was checked",
          );
        }
        // Sign-out ended the session; sign in again for what follows.
        if (
          who === "signed in" && path === "/auth/signout" &&
          init?.method === "POST"
        ) {
          await app.signIn(signedIn, "alice");
        }
      }
    }
  }

  // Static files and bundles stay immutable, cookie or not.
  const home = await app.send(signedIn, "/");
  const buildId = /__frsh_c=([\w-]+)/.exec(home.text)![1];
  for (
    const path of [
      `/styles.css?__frsh_c=${buildId}`,
      `/_frsh/js/${buildId}/island-liveroom.js`,
    ]
  ) {
    const { response } = await app.send(signedIn, path);
    assert.equal(response.status, 200, path);
    assert.equal(
      response.headers.get("cache-control"),
      "public, max-age=31536000, immutable",
      path,
    );
  }

  // `_500`, rendered outside the middleware chain, for a signed-in browser.
  kv.close();
  kvOpen = false;
  await quietErrors(async () => {
    const { response } = await app.send(signedIn, "/auth/signin");
    assert.equal(response.status, 500);
    assertPrivate("_500 signed in", response.headers);
  });
});
