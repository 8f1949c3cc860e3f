/**
 * The home page's server half through the runtime, with the real manifest
 * (`fresh.gen.ts`), the embedded emulator and provider, and plain
 * `Request`s: what `GET /` renders for a visitor signed out and signed in
 * (the lobby, before any JavaScript), and `POST /api/notify-me`. The room
 * routes: `rooms_routes_test.ts`.
 */
import assert from "node:assert/strict";
import { CookieJar, request } from "./auth_helpers.ts";
import { APP, withRooms } from "./rooms_helpers.ts";

/** The app with the services, `send` and a signed-in jar per login. */
const withApp = (fn: Parameters<typeof withRooms>[1]) => withRooms({}, fn);

Deno.test("GET / signed out: what the room is and Sign in; no island, no script", async () => {
  await withApp(async ({ send }) => {
    const { response, text } = await request(
      new CookieJar(),
      `${APP}/`,
      {},
      send,
    );
    assert.equal(response.status, 200);
    assert.match(text, /<a class="button" href="\/auth\/signin">Sign in<\/a>/);
    assert.doesNotMatch(text, /<script/);
    assert.doesNotMatch(text, /frsh-liveroom/);
  });
});

Deno.test("GET / signed in: the lobby with its recent messages from KV, as text, before any JavaScript", async () => {
  await withApp(async ({ app: { services }, send, signedIn }) => {
    const bob = await signedIn("bob");
    const post = (text: string, n: number) =>
      request(bob, `${APP}/api/rooms/lobby/messages`, {
        method: "POST",
        headers: { origin: APP, "content-type": "application/json" },
        body: JSON.stringify({ text, id: `home-page-${n}` }),
      }, send);
    for (let i = 1; i <= 25; i++) {
      assert.equal((await post(`message ${i}`, i)).response.status, 201);
    }
    await post("<script>alert(1)</script>", 26);
    const jar = await signedIn("alice");
    const { response, text } = await request(jar, `${APP}/`, {}, send);
    assert.equal(response.status, 200);
    assert.match(
      text,
      /Signed in as <strong class="user-login">alice<\/strong>/,
    );
    assert.match(text, /<!--frsh-liveroom_default:0-->/);
    assert.match(text, /<section class="room" data-state="connecting"/);
    assert.match(text, /aria-live="polite"/);

    // All of them (the page shows up to 50), oldest first, escaped; the
    // composer waits for the connection.
    const shown = [...text.matchAll(/<p class="text">([^<]*)<\/p>/g)].map((m) =>
      m[1]
    );
    assert.equal(shown.length, 26);
    assert.equal(shown[0], "message 1");
    assert.equal(shown[24], "message 25");
    assert.equal(shown[25], "&lt;script>alert(1)&lt;/script>");
    assert.doesNotMatch(text, /<script>alert/);
    assert.match(text, /<input id="room-message"[^>]* disabled/);
    // Fewer than a page: nothing older to load.
    assert.doesNotMatch(text, /Load older/);

    // The island's props: where to connect, which channels; never a key.
    const props =
      /<script type="application\/json" id="__FRSH_STATE">(.*?)<\/script>/
        .exec(text)![1];
    assert.match(
      props,
      /"channel":"room:lobby"\},"userChannel":"user:embedded:alice"/,
    );
    const key = services.ably.emulator!.keys[0];
    assert.ok(
      !text.includes(key.split(":")[1]),
      "the key secret is on the page",
    );
  });
});

Deno.test("POST /api/notify-me publishes hello from the server on the caller's own channel", async () => {
  await withApp(async ({ app: { services }, send, signedIn }) => {
    const notify = (jar: CookieJar, origin?: string) =>
      request(jar, `${APP}/api/notify-me`, {
        method: "POST",
        headers: origin ? { origin } : {},
      }, send);

    const anonymous = await notify(new CookieJar(), APP);
    assert.equal(anonymous.response.status, 401);
    assert.deepEqual(JSON.parse(anonymous.text), { error: "Unauthorized!" });

    const jar = await signedIn("alice");
    for (const origin of [undefined, "https://evil.example", "null"]) {
      const foreign = await notify(jar, origin);
      assert.equal(foreign.response.status, 403, String(origin));
    }
    const sent = await notify(jar, APP);
    assert.equal(sent.response.status, 202);
    assert.equal(
      sent.response.headers.get("cache-control"),
      "private, no-store",
    );

    const own = await services.ably.tokens.rest.channels.get(
      "user:embedded:alice",
    ).history();
    assert.deepEqual(own.items.map((m) => [m.name, m.data]), [
      ["notice", { text: "hello from the server" }],
    ]);
  });
});
