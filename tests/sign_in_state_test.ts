/**
 * The sign-in's `state` through the real routes: someone who learns a
 * pending state (a leaked URL, a log, a shoulder) must not be able to cancel
 * that sign-in by bringing it to the callback without the browser's state
 * cookie (RFC 6749 §10.12), and a failed callback clears the state cookie.
 */
import assert from "node:assert/strict";
import { CookieJar, request, walkSignIn } from "./auth_helpers.ts";
import { APP, startInProcessApp } from "./hardening_helpers.ts";

Deno.test("a callback without the browser's state cookie does not cancel that browser's sign-in", async () => {
  await using app = await startInProcessApp();
  const send = (req: Request) => app.handler(req);
  const victim = new CookieJar();
  const { stoppedAt } = await walkSignIn(
    victim,
    `${APP}/auth/signin?redirect=/about`,
    {
      login: "alice",
      isApp: (url) => url.origin === APP,
      sendApp: send,
      stopAt: (url) => url.origin === APP && url.pathname === "/auth/callback",
    },
  );
  assert.ok(stoppedAt, "the provider sent the browser back");
  const state = stoppedAt.searchParams.get("state")!;

  // The attacker holds the state (and even the code), not the cookie.
  for (const query of [`state=${state}`, stoppedAt.search.slice(1)]) {
    const attacker = new CookieJar();
    const { response, text } = await request(
      attacker,
      `${APP}/auth/callback?${query}`,
      {},
      send,
    );
    assert.equal(response.status, 400);
    assert.match(text, /another browser/);
    assert.notEqual(
      (await app.services.kv.get(["oauth", state])).value,
      null,
      "the pending sign-in is still there",
    );
  }

  const { response } = await request(victim, stoppedAt, {}, send);
  assert.equal(response.status, 302, "the victim's sign-in completes");
  assert.equal(response.headers.get("location"), "/about");
  assert.ok(victim.get("127.0.0.1", "session"), "signed in");
  assert.equal((await app.services.kv.get(["oauth", state])).value, null);
});

Deno.test("a failed callback clears the state cookie", async () => {
  await using app = await startInProcessApp();
  const send = (req: Request) => app.handler(req);
  const browser = new CookieJar();
  const { response: started } = await request(
    browser,
    `${APP}/auth/signin`,
    {},
    send,
  );
  const state = new URL(started.headers.get("location")!).searchParams.get(
    "state",
  )!;
  assert.equal(browser.get("127.0.0.1", "oauth-state")?.value, state);

  const { response } = await request(
    browser,
    `${APP}/auth/callback?state=${state}&error=access_denied`,
    {},
    send,
  );
  assert.equal(response.status, 400);
  assert.ok(
    response.headers.getSetCookie().some((line) =>
      /^oauth-state=; Max-Age=0;/.test(line)
    ),
    response.headers.getSetCookie().join("\n"),
  );
  assert.equal(browser.get("127.0.0.1", "oauth-state"), undefined);
});
