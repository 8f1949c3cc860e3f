/**
 * Unread counts through the runtime (`startTestApp`: real KV that refuses
 * queues, the embedded emulator, the real ably SDK): they rise on `/` while
 * a member is away, clear when the room is opened — on every device —, are
 * never shown for the lobby or a room one is not in, reach an open `/` as
 * one batch publish per message, and `POST /api/rooms/<id>/read` refuses
 * strangers and other origins.
 */
import assert from "node:assert/strict";
import * as Ably from "ably";
import type { CookieJar } from "./auth_helpers.ts";
import { type RoomsFixture, withRooms } from "./rooms_helpers.ts";
import { emulatorClientOptions } from "../lib/emulator/mod.ts";
import type { UnreadNotice } from "../lib/contract/mod.ts";

/** The `<li data-room=…>` of `roomId` on a page, or `null`. */
function roomItem(html: string, roomId: string): string | null {
  const at = html.indexOf(`<li data-room="${roomId}"`);
  return at < 0 ? null : html.slice(at, html.indexOf("</li>", at));
}

/** The unread count `/` shows beside `roomId`; `null` when it shows none. */
async function unreadOnHome(
  f: RoomsFixture,
  jar: CookieJar,
  roomId: string,
): Promise<number | null> {
  const home = await f.page(jar, "/");
  assert.equal(home.status, 200);
  const item = roomItem(home.text, roomId);
  assert.ok(item, `/ lists ${roomId}`);
  const badge = /<span class="unread" data-count="(\d+)"([^>]*)>/.exec(item);
  if (!badge) return null;
  const count = Number(badge[1]);
  assert.equal(/ hidden/.test(badge[2]), count === 0, "hidden exactly at 0");
  assert.match(badge[2], new RegExp(`aria-label="${count} unread"`));
  return count;
}

/** alice owns a private room bob joined; carol owns a public room. */
async function rooms(f: RoomsFixture) {
  const [alice, bob, carol] = await Promise.all(
    ["alice", "bob", "carol"].map((login) => f.signedIn(login)),
  );
  const created = await f.api(alice, "POST", "/api/rooms", {
    name: "Plans",
    private: true,
  });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  await f.inviteAndJoin(alice, id, "bob", bob);
  const open = await f.api(carol, "POST", "/api/rooms", {
    name: "Open",
    private: false,
  });
  return { alice, bob, carol, id, publicId: open.json.id as string };
}

async function post(f: RoomsFixture, jar: CookieJar, id: string, n: number) {
  for (let i = 0; i < n; i++) {
    const sent = await f.api(jar, "POST", `/api/rooms/${id}/messages`, {
      text: `message ${i}`,
      id: `unread-${id}-${i}-${crypto.randomUUID().slice(0, 8)}`,
    });
    assert.equal(sent.status, 201, sent.text);
  }
}

Deno.test("/ counts what arrived while away, per user across devices; opening the room clears it on both; none for the lobby, a room never joined, or one's own posts", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, carol, id, publicId } = await rooms(f);
    const aliceAgain = await f.signedIn("alice");
    assert.equal(await unreadOnHome(f, alice, id), 0);

    await post(f, bob, id, 3);
    assert.equal(await unreadOnHome(f, alice, id), 3);
    assert.equal(await unreadOnHome(f, aliceAgain, id), 3);
    assert.equal(await unreadOnHome(f, bob, id), 0, "bob's own messages");
    // The lobby and a public room alice never joined carry no count.
    const home = (await f.page(alice, "/")).text;
    assert.doesNotMatch(roomItem(home, "lobby")!, /class="unread"/);
    assert.equal(await unreadOnHome(f, alice, publicId), null);
    await post(f, carol, publicId, 1);
    assert.equal(await unreadOnHome(f, alice, publicId), null);

    // Opening the room on one device reads it on both.
    assert.equal((await f.page(aliceAgain, `/rooms/${id}`)).status, 200);
    assert.equal(await unreadOnHome(f, alice, id), 0);
    assert.equal(await unreadOnHome(f, aliceAgain, id), 0);

    // alice posting reads what was there: her room shows nothing new.
    await post(f, bob, id, 2);
    await post(f, alice, id, 1);
    assert.equal(await unreadOnHome(f, alice, id), 0);
    assert.equal(await unreadOnHome(f, bob, id), 1);

    // A public room carol posted in before alice joined: what it holds.
    const publicRoom = await f.page(alice, `/rooms/${publicId}`);
    assert.equal(publicRoom.status, 200);
    await f.inviteAndJoin(carol, publicId, "alice", alice);
    assert.equal(await unreadOnHome(f, alice, publicId), 1);
    const read = await f.api(alice, "POST", `/api/rooms/${publicId}/read`);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.json, { read: true });
    assert.equal(await unreadOnHome(f, alice, publicId), 0);
  });
});

Deno.test("one's own post is not unread for them even when Ably is away and the outbox is to publish it", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, id } = await rooms(f);
    await post(f, bob, id, 2);
    assert.equal(await unreadOnHome(f, alice, id), 2);
    await f.app.services.ably.emulator!.close();
    // Stored and answered 201 while the inline publish fails.
    await post(f, alice, id, 1);
    assert.equal(await unreadOnHome(f, alice, id), 0);
    assert.equal(await unreadOnHome(f, bob, id), 1);
  });
});

Deno.test("POST /api/rooms/:id/read: 403 from other origins and for strangers, unknown rooms alike; 401; 404 for a malformed id; markers go with the membership", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, carol, id } = await rooms(f);
    await post(f, bob, id, 2);
    const path = `/api/rooms/${id}/read`;
    for (const origin of [null, "https://evil.example", "null"]) {
      const foreign = await f.api(alice, "POST", path, undefined, { origin });
      assert.equal(foreign.status, 403, String(origin));
      assert.deepEqual(foreign.json, { error: "Forbidden" });
    }
    const stranger = await f.api(carol, "POST", path);
    assert.equal(stranger.status, 403);
    assert.deepEqual(stranger.json, { error: "Forbidden" });
    const unknown = await f.api(
      carol,
      "POST",
      "/api/rooms/aaaaaaaaaaaaaaaa/read",
    );
    assert.deepEqual([unknown.status, unknown.text], [403, stranger.text]);
    assert.equal((await f.api(null, "POST", path)).status, 401);
    assert.equal(
      (await f.api(alice, "POST", "/api/rooms/ROOM/read")).status,
      404,
    );
    assert.equal(
      await unreadOnHome(f, alice, id),
      2,
      "nothing refused read it",
    );
    assert.equal((await f.api(alice, "POST", path)).status, 200);
    assert.equal(await unreadOnHome(f, alice, id), 0);
    // Strangers keep no marker.
    const markers = [];
    for await (const e of f.app.services.kv.list({ prefix: ["room_reads"] })) {
      markers.push(e.key);
    }
    assert.ok(markers.every((key) => key[1] !== "embedded:carol"));
    // Leaving and deleting take the markers with the membership.
    const markersOf = async () => {
      const keys: Deno.KvKey[] = [];
      for await (
        const e of f.app.services.kv.list({ prefix: ["room_reads"] })
      ) if (e.key[2] === id) keys.push(e.key);
      return keys.map((key) => key[1]).sort();
    };
    assert.deepEqual(await markersOf(), ["embedded:alice", "embedded:bob"]);
    const left = await f.api(
      bob,
      "DELETE",
      `/api/rooms/${id}/members/embedded:bob`,
    );
    assert.equal(left.status, 200, left.text);
    assert.deepEqual(await markersOf(), ["embedded:alice"]);
    assert.equal(
      (await f.api(alice, "DELETE", `/api/rooms/${id}`)).status,
      200,
    );
    assert.deepEqual(await markersOf(), []);
  });
});

Deno.test("each post tells every other member on their own channel, in one batch publish; the sender hears nothing; a read tells the reader's devices", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, id } = await rooms(f);
    const emulator = f.app.services.ably.emulator!;
    const sub = new Ably.Realtime({
      ...emulatorClientOptions(emulator.url),
      key: emulator.keys[0],
      logLevel: 0,
    });
    const rest = f.app.services.ably.tokens.rest;
    const batchPublish = rest.batchPublish.bind(rest);
    const batches: Ably.BatchPublishSpec[] = [];
    // deno-lint-ignore no-explicit-any
    (rest as any).batchPublish = (spec: Ably.BatchPublishSpec) => {
      batches.push(spec);
      return batchPublish(spec);
    };
    try {
      const toAlice: UnreadNotice[] = [];
      const toBob: UnreadNotice[] = [];
      await sub.channels.get("user:embedded:alice").subscribe(
        "unread",
        (m) => void toAlice.push(m.data),
      );
      await sub.channels.get("user:embedded:bob").subscribe(
        "unread",
        (m) => void toBob.push(m.data),
      );
      await post(f, bob, id, 3);
      await waitFor(() => toAlice.length === 3, "three notices");
      assert.deepEqual(toAlice, [{ roomId: id }, { roomId: id }, {
        roomId: id,
      }]);
      assert.equal(batches.length, 3, "one batch publish per message");
      assert.deepEqual(batches[0].channels, ["user:embedded:alice"]);

      assert.equal((await f.page(alice, `/rooms/${id}`)).status, 200);
      await waitFor(() => toAlice.length === 4, "the read notice");
      assert.deepEqual(toAlice[3], { roomId: id, read: true });
      // Opened again with nothing new: no second notice.
      await f.api(alice, "POST", `/api/rooms/${id}/read`);
      await post(f, alice, id, 1);
      await waitFor(() => toBob.length === 1, "bob's notice");
      assert.equal(toAlice.length, 4);
      // Lobby posts tell nobody.
      await post(f, bob, "lobby", 1);
      assert.equal(batches.length, 4);
    } finally {
      const closed = sub.connection.whenState("closed");
      sub.close();
      await closed;
    }
  });
});

async function waitFor(check: () => boolean, what: string) {
  const until = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
