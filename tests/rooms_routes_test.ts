/**
 * The rooms API and pages through the runtime (`startTestApp`: real KV, the
 * embedded emulator and provider), with plain `Request`s: every status of
 * every route, unknown and forbidden rooms told apart by nobody, idempotent
 * sends, and the forms that work without JavaScript.
 */
import assert from "node:assert/strict";
import { APP, type RoomsFixture, withRooms } from "./rooms_helpers.ts";

const NO_STORE = {
  "content-type": "application/json",
  "cache-control": "private, no-store",
  "vary": "Cookie",
};

function assertNoStore(headers: Headers, what: string) {
  for (const [name, value] of Object.entries(NO_STORE)) {
    assert.equal(headers.get(name), value, `${what}: ${name}`);
  }
}

/** A room id that is well formed but names no room. */
const UNKNOWN = "aaaaaaaaaaaaaaaa";

/** alice owns a private room with bob in it; carol is in nothing. */
async function privateRoom(f: RoomsFixture) {
  const [alice, bob, carol] = await Promise.all(
    ["alice", "bob", "carol"].map((login) => f.signedIn(login)),
  );
  const created = await f.api(alice, "POST", "/api/rooms", {
    name: "Secret plans",
    private: true,
  });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  await f.inviteAndJoin(alice, id, "bob", bob);
  return { alice, bob, carol, id };
}

async function storedMessages(kv: Deno.Kv, roomId: string) {
  const all = [];
  for await (const entry of kv.list({ prefix: ["messages", roomId] })) {
    all.push(entry.value);
  }
  return all;
}

Deno.test("POST /api/rooms/:id/messages: 403, 401, 404 for a malformed id, 415, 413, 403 alike for unknown and private, then 201 once and 200 for the same id", async () => {
  await withRooms({}, async (f) => {
    const { alice, carol, id } = await privateRoom(f);
    const path = `/api/rooms/${id}/messages`;
    const body = { text: "  hello  ", id: "client-id-0001" };

    for (const origin of [null, "https://evil.example", "null"]) {
      const foreign = await f.api(alice, "POST", path, body, { origin });
      assert.equal(foreign.status, 403, String(origin));
      assert.deepEqual(foreign.json, { error: "Forbidden" });
    }
    const anonymous = await f.api(null, "POST", path, body);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.json, { error: "Unauthorized!" });
    assertNoStore(anonymous.headers, "401");

    for (const bad of ["ROOM", "lobby:*", "a".repeat(17)]) {
      const malformed = await f.api(
        alice,
        "POST",
        `/api/rooms/${bad}/messages`,
        body,
      );
      assert.equal(malformed.status, 404, bad);
      assert.deepEqual(malformed.json, { error: "No such room." }, bad);
    }
    const notJson = await f.api(alice, "POST", path, undefined, {
      raw: "text=hi",
      contentType: "application/x-www-form-urlencoded",
    });
    assert.equal(notJson.status, 415);
    const big = await f.api(alice, "POST", path, {
      text: "x".repeat(5_000),
      id: "client-id-0002",
    });
    assert.equal(big.status, 413);
    const broken = await f.api(alice, "POST", path, undefined, {
      raw: '{"text": ',
    });
    assert.equal(broken.status, 400);
    assert.deepEqual(broken.json, { error: "The body is not valid JSON." });

    for (
      const [text, clientId, reason] of [
        ["   ", "client-id-0003", /empty/],
        ["a\u0007b", "client-id-0003", /a control character \(U\+0007\)/],
        ["x".repeat(501), "client-id-0003", /too long: 501/],
        ["hi", "short", /client message id/],
        ["hi", "has space in it", /client message id/],
        [42, "client-id-0003", /must be text/],
      ] as const
    ) {
      const refused = await f.api(alice, "POST", path, {
        text,
        id: clientId,
      });
      assert.equal(refused.status, 400, String(text));
      assert.match(refused.json.error, reason);
    }

    // A stranger: the private room and a room that does not exist answer alike.
    const forbidden = await f.api(carol, "POST", path, body);
    const unknown = await f.api(
      carol,
      "POST",
      `/api/rooms/${UNKNOWN}/messages`,
      body,
    );
    assert.equal(forbidden.status, 403);
    assert.deepEqual(
      [forbidden.status, forbidden.text],
      [unknown.status, unknown.text],
    );

    const first = await f.api(alice, "POST", path, body);
    assert.equal(first.status, 201, first.text);
    assertNoStore(first.headers, "201");
    const message = first.json.message;
    assert.equal(message.text, "hello");
    assert.equal(message.name, "alice");
    assert.equal(message.clientId, "embedded:alice");
    assert.equal(message.roomId, id);
    const again = await f.api(alice, "POST", path, body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json.message, message);
    assert.equal((await storedMessages(f.app.services.kv, id)).length, 1);

    // What the server published carries the stored id and the server's name.
    const history = await f.app.services.ably.tokens.rest.channels.get(
      `room:${id}`,
    ).history();
    assert.deepEqual(history.items.map((m) => [m.clientId, m.data]), [
      ["embedded:alice", {
        id: message.id,
        text: "hello",
        name: "alice",
        at: message.at,
      }],
    ]);
  });
});

Deno.test("POST messages past MESSAGE_RATE_LIMIT_PER_MIN: 429 with Retry-After, per user whatever the sessions; 0 disables", async () => {
  await withRooms({ MESSAGE_RATE_LIMIT_PER_MIN: "3" }, async (f) => {
    const [alice, bob] = await Promise.all([
      f.signedIn("alice"),
      f.signedIn("bob"),
    ]);
    // Signing in again (another browser) buys no fresh allowance.
    const aliceAgain = await f.signedIn("alice");
    const send = (jar: typeof alice, n: number) =>
      f.api(jar, "POST", "/api/rooms/lobby/messages", {
        text: `m${n}`,
        id: `rate-limit-${n}`,
      });
    for (let n = 1; n <= 3; n++) {
      assert.equal((await send(alice, n)).status, 201);
    }
    const refused = await send(alice, 4);
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.json, { error: "Too Many Requests" });
    assert.ok(Number(refused.headers.get("retry-after")) > 0);
    assertNoStore(refused.headers, "429");
    assert.equal((await send(aliceAgain, 6)).status, 429);
    assert.equal((await send(bob, 5)).status, 201);
    assert.equal(
      (await storedMessages(f.app.services.kv, "lobby")).length,
      4,
    );
  });
  await withRooms({ MESSAGE_RATE_LIMIT_PER_MIN: "0" }, async (f) => {
    const alice = await f.signedIn("alice");
    for (let n = 1; n <= 40; n++) {
      const sent = await f.api(alice, "POST", "/api/rooms/lobby/messages", {
        text: `m${n}`,
        id: `unlimited-${n}`,
      });
      assert.equal(sent.status, 201);
    }
    assert.equal(f.app.services.config.messageRateLimitPerMin, 0);
  });
});

Deno.test("GET /api/rooms/:id/messages: 401, 404 for a malformed id, 403 alike, pages oldest … newest with next", async () => {
  await withRooms({ MESSAGE_RATE_LIMIT_PER_MIN: "0" }, async (f) => {
    const { alice, carol, id } = await privateRoom(f);
    const path = `/api/rooms/${id}/messages`;
    for (let n = 1; n <= 7; n++) {
      await f.api(alice, "POST", path, { text: `m${n}`, id: `paging-${n}-x` });
    }
    assert.equal((await f.api(null, "GET", path)).status, 401);
    assert.equal(
      (await f.api(alice, "GET", "/api/rooms/NOPE/messages")).status,
      404,
    );
    const forbidden = await f.api(carol, "GET", path);
    const unknown = await f.api(carol, "GET", `/api/rooms/${UNKNOWN}/messages`);
    assert.equal(forbidden.status, 403);
    assert.deepEqual([forbidden.status, forbidden.text], [
      unknown.status,
      unknown.text,
    ]);
    for (const limit of ["0", "101", "x", "-1", "1.5"]) {
      const bad = await f.api(alice, "GET", `${path}?limit=${limit}`);
      assert.equal(bad.status, 400, limit);
    }
    assert.equal(
      (await f.api(alice, "GET", `${path}?before=nope`)).status,
      400,
    );

    const newest = await f.api(alice, "GET", `${path}?limit=3`);
    assert.equal(newest.status, 200);
    assertNoStore(newest.headers, "200");
    assert.deepEqual(
      newest.json.messages.map((m: { text: string }) => m.text),
      ["m5", "m6", "m7"],
    );
    const older = await f.api(
      alice,
      "GET",
      `${path}?limit=3&before=${newest.json.next}`,
    );
    assert.deepEqual(
      older.json.messages.map((m: { text: string }) => m.text),
      ["m2", "m3", "m4"],
    );
    const oldest = await f.api(
      alice,
      "GET",
      `${path}?limit=3&before=${older.json.next}`,
    );
    assert.deepEqual(
      oldest.json.messages.map((m: { text: string }) => m.text),
      ["m1"],
    );
    assert.equal(oldest.json.next, null);
  });
});

Deno.test("the rooms API: create, list, invite, remove, delete — each status", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, carol, id } = await privateRoom(f);

    // Create: 401, 403 (origin), 415, 413, 400 (JSON, name, private), 201.
    const create = (jar: typeof alice | null, body: unknown, options = {}) =>
      f.api(jar, "POST", "/api/rooms", body, options);
    assert.equal(
      (await create(null, { name: "x", private: false })).status,
      401,
    );
    assert.equal(
      (await create(alice, { name: "x", private: false }, {
        origin: "https://evil.example",
      })).status,
      403,
    );
    assert.equal(
      (await create(alice, undefined, {
        raw: "name=x",
        contentType: "text/plain",
      })).status,
      415,
    );
    assert.equal(
      (await create(alice, { name: "x".repeat(5_000), private: false }))
        .status,
      413,
    );
    assert.equal((await create(alice, undefined, { raw: "[1]" })).status, 400);
    const badName = await create(alice, { name: "  ", private: false });
    assert.equal(badName.status, 400);
    assert.match(badName.json.error, /Room name is empty/);
    assert.equal(
      (await create(alice, { name: "x", private: "yes" })).status,
      400,
    );
    const open = await create(alice, { name: "Open room", private: false });
    assert.equal(open.status, 201);
    assert.deepEqual(Object.keys(open.json).sort(), [
      "channel",
      "id",
      "name",
      "private",
    ]);
    assert.equal(open.json.channel, `room:${open.json.id}`);
    assert.equal(open.json.private, false);

    // List: the lobby first; a private room only for its members.
    const ids = async (jar: typeof alice) =>
      (await f.api(jar, "GET", "/api/rooms")).json.rooms.map((
        r: { id: string },
      ) => r.id);
    assert.equal((await f.api(null, "GET", "/api/rooms")).status, 401);
    assert.deepEqual(await ids(alice), ["lobby", open.json.id, id]);
    assert.deepEqual(await ids(bob), ["lobby", open.json.id, id]);
    assert.deepEqual(await ids(carol), ["lobby", open.json.id]);

    // Invite: unknown login 404 with the reason; not the owner 403; again 200.
    const members = `/api/rooms/${id}/members`;
    const unknownLogin = await f.api(alice, "POST", members, { login: "zed" });
    assert.equal(unknownLogin.status, 404);
    assert.match(unknownLogin.json.error, /Nobody with that login/);
    assert.equal(
      (await f.api(bob, "POST", members, { login: "carol" })).status,
      403,
    );
    const strangerInvite = await f.api(carol, "POST", members, {
      login: "carol",
    });
    const unknownRoom = await f.api(
      carol,
      "POST",
      `/api/rooms/${UNKNOWN}/members`,
      { login: "carol" },
    );
    assert.equal(strangerInvite.status, 404);
    assert.deepEqual(strangerInvite.text, unknownRoom.text);
    const member = await f.api(alice, "POST", members, { login: "bob" });
    assert.equal(member.status, 409);
    assert.match(member.json.error, /a member of this room already/);
    assert.equal((await f.api(alice, "POST", members, {})).status, 400);
    const listed = await f.api(bob, "GET", members);
    assert.deepEqual(
      listed.json.members.map((m: { name: string }) => m.name).sort(),
      [
        "alice",
        "bob",
      ],
    );

    // Remove: a member removing another 403, the owner 200; gone after.
    assert.equal(
      (await f.api(bob, "DELETE", `${members}/embedded:alice`)).status,
      403,
    );
    assert.equal(
      (await f.api(alice, "DELETE", `${members}/embedded:bob`, undefined, {
        origin: "https://evil.example",
      })).status,
      403,
    );
    const removed = await f.api(alice, "DELETE", `${members}/embedded:bob`);
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.json, { removed: true });
    assert.deepEqual(await ids(bob), ["lobby", open.json.id]);
    assert.equal((await f.api(bob, "GET", `/api/live?room=${id}`)).status, 403);

    // Delete: not the owner 403 (public room), unknown 404, the owner 200.
    assert.equal(
      (await f.api(bob, "DELETE", `/api/rooms/${open.json.id}`)).status,
      403,
    );
    assert.equal(
      (await f.api(alice, "DELETE", `/api/rooms/${UNKNOWN}`)).status,
      404,
    );
    assert.equal((await f.api(null, "DELETE", `/api/rooms/${id}`)).status, 401);
    const deleted = await f.api(alice, "DELETE", `/api/rooms/${id}`);
    assert.equal(deleted.status, 200);
    assert.equal((await f.api(alice, "GET", `/api/rooms/${id}`)).status, 404);
    assert.deepEqual(await ids(alice), ["lobby", open.json.id]);
  });
});

Deno.test("GET /api/rooms/:id/names: the server's names for up to 100 ids, in a private room only its members'; 400, 401, 403, 404 for a malformed room id", async () => {
  await withRooms({}, async (f) => {
    const { bob, carol, id } = await privateRoom(f);
    const names = `/api/rooms/${id}/names`;
    const ok = await f.api(
      bob,
      "GET",
      `${names}?ids=embedded:alice,embedded:bob,embedded:nobody`,
    );
    assert.equal(ok.status, 200);
    assertNoStore(ok.headers, "names");
    assert.deepEqual(ok.json, {
      names: { "embedded:alice": "alice", "embedded:bob": "bob" },
    });
    // carol has signed in but is no member: the private room does not name
    // her; the lobby, where anyone signed in may be, does.
    const stranger = await f.api(bob, "GET", `${names}?ids=embedded:carol`);
    assert.equal(stranger.status, 200);
    assert.deepEqual(stranger.json, { names: {} });
    const lobby = await f.api(
      bob,
      "GET",
      "/api/rooms/lobby/names?ids=embedded:carol,embedded:alice",
    );
    assert.deepEqual(lobby.json, {
      names: { "embedded:carol": "carol", "embedded:alice": "alice" },
    });
    assert.equal(
      (await f.api(null, "GET", `${names}?ids=embedded:bob`)).status,
      401,
    );
    for (
      const query of [
        "",
        "?ids=",
        "?ids=embedded:*",
        "?ids=nocolon",
        `?ids=${
          Array.from({ length: 101 }, (_, i) => `embedded:u${i}`).join(",")
        }`,
      ]
    ) {
      assert.equal((await f.api(bob, "GET", names + query)).status, 400, query);
    }
    assert.equal(
      (await f.api(bob, "GET", `/api/rooms/BAD/names?ids=embedded:bob`)).status,
      404,
    );
    const forbidden = await f.api(carol, "GET", `${names}?ids=embedded:bob`);
    const unknown = await f.api(
      carol,
      "GET",
      `/api/rooms/${UNKNOWN}/names?ids=embedded:bob`,
    );
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.text, unknown.text);
  });
});

Deno.test("/rooms/:id pages: members see the last 50 from KV; strangers, unknown and malformed ids the same not-found page", async () => {
  await withRooms({ MESSAGE_RATE_LIMIT_PER_MIN: "0" }, async (f) => {
    const { alice, bob, carol, id } = await privateRoom(f);
    for (let n = 1; n <= 55; n++) {
      await f.api(bob, "POST", `/api/rooms/${id}/messages`, {
        text: n === 55 ? "<script>alert(1)</script>" : `message ${n}`,
        id: `page-message-${n}`,
      });
    }
    const page = await f.page(bob, `/rooms/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<span class="room-name">Secret plans<\/span>/);
    const shown = [...page.text.matchAll(/<p class="text">([^<]*)<\/p>/g)]
      .map((m) => m[1]);
    assert.equal(shown.length, 50);
    assert.equal(shown[0], "message 6");
    assert.equal(shown[49], "&lt;script>alert(1)&lt;/script>");
    assert.doesNotMatch(page.text, /<script>alert/);
    assert.match(page.text, /<!--frsh-liveroom_default:0-->/);
    assert.match(page.text, /Load older/);
    // Bob is a member, not the owner: no members panel.
    assert.doesNotMatch(page.text, /Invite by login/);
    const owner = await f.page(alice, `/rooms/${id}`);
    assert.match(owner.text, /Invite by login/);
    assert.match(owner.text, /Delete this room/);

    const stranger = await f.page(carol, `/rooms/${id}`);
    const unknown = await f.page(carol, `/rooms/${UNKNOWN}`);
    const malformed = await f.page(carol, `/rooms/NOT-A-ROOM`);
    assert.equal(stranger.status, 404);
    assert.deepEqual(
      [unknown.status, malformed.status],
      [404, 404],
    );
    assert.equal(stranger.text, unknown.text);
    assert.doesNotMatch(stranger.text, /Secret plans/);

    const signedOut = await f.page(null, `/rooms/${id}`);
    assert.equal(signedOut.status, 303);
    assert.equal(
      signedOut.headers.get("location"),
      `/auth/signin?redirect=${encodeURIComponent(`/rooms/${id}`)}`,
    );
  });
});

Deno.test("the pages' forms work without JavaScript: create, invite, remove, delete; foreign origins 403, strangers 404", async () => {
  await withRooms({}, async (f) => {
    const [alice, bob, carol] = await Promise.all(
      ["alice", "bob", "carol"].map((login) => f.signedIn(login)),
    );
    const home = await f.page(alice, "/");
    assert.match(
      home.text,
      /<form class="create-room" method="post" action="\/rooms">/,
    );
    assert.match(home.text, /<!--frsh-liveroom_default:0-->/);

    const foreign = await f.form(alice, "/rooms", { name: "x" }, {
      origin: "https://evil.example",
    });
    assert.equal(foreign.status, 403);
    const notForm = await f.api(alice, "POST", "/rooms", { name: "x" });
    assert.equal(notForm.status, 415);
    const tooBig = await f.form(alice, "/rooms", { name: "x".repeat(5_000) });
    assert.equal(tooBig.status, 413);
    const badName = await f.form(alice, "/rooms", { name: "  " });
    assert.equal(badName.status, 303);
    assert.equal(badName.headers.get("location"), "/?error=name");
    assert.match(
      (await f.page(alice, "/?error=name")).text,
      /Give the room a name/,
    );
    const created = await f.form(alice, "/rooms", {
      name: "Form room",
      private: "on",
    });
    assert.equal(created.status, 303);
    const path = created.headers.get("location")!;
    assert.match(path, /^\/rooms\/[a-z2-7]{16}$/);
    const id = path.slice("/rooms/".length);
    assert.match((await f.page(alice, "/")).text, new RegExp(`href="${path}"`));
    assert.equal((await f.page(bob, path)).status, 404);
    const room = await f.api(alice, "GET", `/api/rooms/${id}`);
    assert.deepEqual(room.json, {
      id,
      name: "Form room",
      private: true,
      channel: `room:${id}`,
    });
    const unseen = await f.api(bob, "GET", `/api/rooms/${id}`);
    assert.equal(unseen.status, 404);
    assert.equal(
      unseen.text,
      (await f.api(bob, "GET", "/api/rooms/aaaaaaaaaaaaaaaa")).text,
    );
    assert.equal(
      (await f.api(bob, "GET", `/api/rooms/${id}/members`)).status,
      404,
    );

    const invited = await f.form(alice, path, {
      action: "invite",
      login: "bob",
    });
    assert.equal(invited.status, 303);
    assert.equal(invited.headers.get("location"), `${path}?notice=invited`);
    assert.match(
      (await f.page(alice, `${path}?notice=invited`)).text,
      /Invited\. They become a member when they join\./,
    );
    // An invitation is no membership: bob joins through his form on `/`.
    assert.equal((await f.page(bob, path)).status, 404);
    assert.match(
      (await f.page(bob, "/")).text,
      new RegExp(`<form method="post" action="/invitations/${id}">`),
    );
    const join = await f.form(bob, `/invitations/${id}`, { action: "join" });
    assert.equal(join.status, 303);
    assert.equal(join.headers.get("location"), path);
    assert.equal((await f.page(bob, path)).status, 200);
    const nobody = await f.form(alice, path, {
      action: "invite",
      login: "zed",
    });
    assert.equal(nobody.headers.get("location"), `${path}?error=login`);
    assert.match(
      (await f.page(alice, `${path}?error=login`)).text,
      /Nobody with that login has signed in here yet/,
    );
    // Not the owner: refused with a code; a stranger: not found.
    const byBob = await f.form(bob, path, {
      action: "remove",
      userId: "embedded:alice",
    });
    assert.equal(byBob.headers.get("location"), `${path}?error=forbidden`);
    assert.equal(
      (await f.form(carol, path, { action: "delete" })).status,
      404,
    );
    assert.equal(
      (await f.form(alice, path, { action: "delete" }, { origin: null }))
        .status,
      403,
    );

    const removed = await f.form(alice, path, {
      action: "remove",
      userId: "embedded:bob",
    });
    assert.equal(removed.status, 303);
    assert.equal((await f.page(bob, path)).status, 404);
    const deleted = await f.form(alice, path, { action: "delete" });
    assert.equal(deleted.headers.get("location"), "/");
    assert.equal((await f.page(alice, path)).status, 404);
    assert.equal((await f.api(alice, "GET", `/api/rooms/${id}`)).status, 404);
  });
});

Deno.test("a restart on the same KV file keeps rooms, memberships and messages", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/live.kv`;
  try {
    let id = "";
    await withRooms({}, async (f) => {
      const room = await privateRoom(f);
      id = room.id;
      const sent = await f.api(room.bob, "POST", `/api/rooms/${id}/messages`, {
        text: "before the restart",
        id: "restart-0001",
      });
      assert.equal(sent.status, 201);
    }, { kvPath });
    await withRooms({}, async (f) => {
      const bob = await f.signedIn("bob");
      const rooms = await f.api(bob, "GET", "/api/rooms");
      assert.ok(rooms.json.rooms.some((r: { id: string }) => r.id === id));
      const page = await f.page(bob, `/rooms/${id}`);
      assert.equal(page.status, 200);
      assert.match(page.text, /before the restart/);
      // The same client id after the restart is still the same message.
      const again = await f.api(bob, "POST", `/api/rooms/${id}/messages`, {
        text: "before the restart",
        id: "restart-0001",
      });
      assert.equal(again.status, 200);
      const carol = await f.signedIn("carol");
      assert.equal((await f.page(carol, `/rooms/${id}`)).status, 404);
    }, { kvPath });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the page's JSON props name the room and channels, never a key", async () => {
  await withRooms({}, async (f) => {
    const alice = await f.signedIn("alice");
    const { text } = await f.page(alice, "/rooms/lobby");
    const props =
      /<script type="application\/json" id="__FRSH_STATE">(.*?)<\/script>/
        .exec(text)![1];
    assert.match(
      props,
      /"room":\{"id":"lobby","name":"Lobby","channel":"room:lobby"\},"userChannel":"user:embedded:alice"/,
    );
    const key = f.app.services.ably.emulator!.keys[0];
    assert.ok(
      !text.includes(key.split(":")[1]),
      "the key secret is on the page",
    );
    assert.equal(APP, "http://127.0.0.1:8000");
  });
});

Deno.test("messages and room names that would not show as written: 400 with the class named, nothing stored", async () => {
  await withRooms({ MESSAGE_RATE_LIMIT_PER_MIN: "0" }, async (f) => {
    const alice = await f.signedIn("alice");
    const classes = [
      ["\u202E", /a text direction control \(U\+202E\)/],
      ["\u2067", /a text direction control \(U\+2067\)/],
      ["\u200F", /a text direction control \(U\+200F\)/],
      ["\u061C", /a text direction control \(U\+061C\)/],
      ["\u200B", /an invisible formatting character \(U\+200B\)/],
      ["\u200D", /an invisible formatting character \(U\+200D\)/],
      ["\u2060", /an invisible formatting character \(U\+2060\)/],
      ["\uFEFF", /an invisible formatting character \(U\+FEFF\)/],
      ["\u{E0041}", /an invisible tag character \(U\+E0041\)/],
      ["\u2028", /a line or paragraph separator \(U\+2028\)/],
      ["\u2029", /a line or paragraph separator \(U\+2029\)/],
      ["\u0085", /a control character \(U\+0085\)/],
    ] as const;
    for (const [n, [char, reason]] of classes.entries()) {
      const message = await f.api(alice, "POST", "/api/rooms/lobby/messages", {
        text: `txt${char}exe`,
        id: `hidden-char-${n}`,
      });
      assert.equal(message.status, 400, reason.source);
      assert.match(message.json.error, new RegExp(`^Message contains`));
      assert.match(message.json.error, reason);
      const room = await f.api(alice, "POST", "/api/rooms", {
        name: `Design${char}review`,
        private: false,
      });
      assert.equal(room.status, 400, reason.source);
      assert.match(room.json.error, /^Room name contains/);
      assert.match(room.json.error, reason);
    }
    const invisible = await f.api(alice, "POST", "/api/rooms", {
      name: "\u200B\u200B\u200B",
      private: false,
    });
    assert.equal(invisible.status, 400);
    assert.match(invisible.json.error, /invisible formatting character/);
    const blank = await f.api(alice, "POST", "/api/rooms", {
      name: "\u3164\u3164",
      private: false,
    });
    assert.equal(blank.status, 400);
    assert.match(blank.json.error, /Room name shows nothing/);
    const form = await f.form(alice, "/rooms", { name: "\u200B\u200B\u200B" });
    assert.equal(form.headers.get("location"), "/?error=name");

    assert.equal((await storedMessages(f.app.services.kv, "lobby")).length, 0);
    const rooms = await f.api(alice, "GET", "/api/rooms");
    assert.deepEqual(rooms.json.rooms.map((r: { id: string }) => r.id), [
      "lobby",
    ]);
    // What people type every day still passes.
    const emoji = await f.api(alice, "POST", "/api/rooms", {
      name: "👨‍👩‍👧 🏴󠁧󠁢󠁥󠁮󠁧󠁿 می‌خواهم",
      private: false,
    });
    assert.equal(emoji.status, 201, emoji.text);
  });
});

Deno.test("110 concurrent POST /api/rooms by one user leave at most MAX_ROOMS_PER_USER rooms; a full user gets 409", async () => {
  // The per-minute room-change limit would refuse most of them first; it is
  // tested on its own (room_creation_limit_test).
  await withRooms({ MEMBER_CHANGE_RATE_LIMIT_PER_MIN: "0" }, async (f) => {
    const alice = await f.signedIn("alice");
    const answers = await Promise.all(
      Array.from({ length: 110 }, (_, n) =>
        f.api(alice, "POST", "/api/rooms", {
          name: `Burst ${n}`,
          private: n % 2 === 0,
        })),
    );
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.every((s) => s === 201 || s === 409), String(statuses));
    const created = statuses.filter((s) => s === 201).length;
    const owned = async () => {
      let n = 0;
      for await (
        const _ of f.app.services.kv.list({
          prefix: ["user_rooms", "embedded:alice"],
        })
      ) n++;
      return n;
    };
    assert.equal(await owned(), created);
    assert.ok(created <= 100, `${created} rooms`);
    // Filling up one by one reaches the cap exactly, and not one more.
    for (let n = created; n < 100; n++) {
      const one = await f.api(alice, "POST", "/api/rooms", {
        name: `Fill ${n}`,
        private: false,
      });
      assert.equal(one.status, 201, one.text);
    }
    const full = await f.api(alice, "POST", "/api/rooms", {
      name: "One too many",
      private: false,
    });
    assert.equal(full.status, 409);
    assert.match(full.json.error, /in 100 rooms already/);
    assert.equal(await owned(), 100);
  });
});
