/**
 * Sessions against fixation and cross-site sign-out: a sign-in always makes
 * a new session id and ends the one the browser brought (in KV and in this
 * instance's cache), and sign-out is a same-origin POST only — GET shows a
 * form, a foreign or missing `Origin` gets 403 and changes nothing.
 */
import assert from "node:assert/strict";
import { CookieJar } from "./auth_helpers.ts";
import { APP, startInProcessApp } from "./hardening_helpers.ts";

const NO_LIMIT = { LIVE_RATE_LIMIT_PER_MIN: "0" };

Deno.test("signing in over a live session rotates its id and ends the old one", async () => {
  await using app = await startInProcessApp(NO_LIMIT);
  const { kv } = app.services;
  const jar = new CookieJar();
  const first = await app.signIn(jar, "alice");
  // Used once, so this instance's cache holds it.
  assert.equal((await app.send(jar, "/api/live")).response.status, 200);

  const second = await app.signIn(jar, "alice");
  assert.notEqual(second, first);
  assert.equal((await kv.get(["sessions", first])).value, null);
  assert.notEqual((await kv.get(["sessions", second])).value, null);

  const old = new CookieJar();
  const withOld = { headers: { cookie: `session=${first}` } };
  assert.equal(
    (await app.send(old, "/api/live", withOld)).response.status,
    401,
    "the old id is refused at once, cache or not",
  );
  assert.match(
    (await app.send(old, "/auth/signout", withOld)).text,
    /You are not signed in/,
  );
  assert.equal((await app.send(jar, "/api/live")).response.status, 200);

  // A fixed id planted before sign-in is never adopted either.
  const planted = "P".repeat(43);
  const victim = new CookieJar();
  victim.store(
    APP,
    new Response(null, { headers: { "set-cookie": `session=${planted}` } }),
  );
  const issued = await app.signIn(victim, "bob");
  assert.notEqual(issued, planted);
  assert.equal((await kv.get(["sessions", planted])).value, null);
});

Deno.test("sign-out is a same-origin POST; GET shows a form, other origins get 403", async () => {
  await using app = await startInProcessApp(NO_LIMIT);
  const { kv } = app.services;
  const jar = new CookieJar();
  const id = await app.signIn(jar, "alice");
  const stillSignedIn = async (what: string) => {
    assert.equal(
      (await app.send(jar, "/api/live")).response.status,
      200,
      what,
    );
    assert.notEqual((await kv.get(["sessions", id])).value, null, what);
  };

  const page = await app.send(jar, "/auth/signout?redirect=//evil.example");
  assert.equal(page.response.status, 200);
  assert.match(page.text, /<form method="post" action="\/auth\/signout">/);
  await stillSignedIn("GET changes nothing");

  for (
    const origin of [
      "https://evil.example",
      "http://127.0.0.1:8001",
      "https://127.0.0.1:8000",
      "null",
      undefined,
    ]
  ) {
    const headers: HeadersInit = origin ? { origin } : {};
    const { response, text } = await app.send(jar, "/auth/signout", {
      method: "POST",
      headers,
    });
    assert.equal(response.status, 403, `Origin ${origin}`);
    assert.match(text, /did not come from this site/);
    assert.equal(response.headers.getSetCookie().length, 0);
    await stillSignedIn(`POST from ${origin}`);
  }
  for (const method of ["PUT", "DELETE", "PATCH"]) {
    const { response } = await app.send(jar, "/auth/signout", {
      method,
      headers: { origin: APP },
    });
    assert.equal(response.status, 405, method);
  }
  await stillSignedIn("other methods");

  const done = await app.send(jar, "/auth/signout", {
    method: "POST",
    headers: { origin: APP },
  });
  assert.equal(done.response.status, 303);
  assert.equal(done.response.headers.get("location"), "/");
  assert.match(
    done.response.headers.getSetCookie().join("\n"),
    /^session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax/m,
  );
  assert.equal((await kv.get(["sessions", id])).value, null);
  assert.equal(
    (await app.send(new CookieJar(), "/api/live", {
      headers: { cookie: `session=${id}` },
    })).response.status,
    401,
  );
});
