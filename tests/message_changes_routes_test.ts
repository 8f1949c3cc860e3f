/**
 * `PATCH` and `DELETE /api/rooms/<id>/messages/<messageId>` and the room
 * page's no-JS Delete form, in process against real KV (queues refused)
 * and the embedded emulator, with a subscriber on the room's channel
 * through the real `ably` SDK and a page token from `/api/live`.
 */
import assert from "node:assert/strict";
import * as Ably from "ably";
import {
  closeClient,
  waitFor,
  withTimeout,
} from "../lib/emulator/test_helpers.ts";
import type { CookieJar } from "./auth_helpers.ts";
import { pageClient, type RoomsFixture, withRooms } from "./rooms_helpers.ts";

/** A subscriber on `room:<roomId>` with `jar`'s page token, collecting messages. */
async function subscriber(f: RoomsFixture, jar: CookieJar, roomId: string) {
  const client = pageClient(f, jar, roomId);
  const received: Ably.InboundMessage[] = [];
  const channel = client.channels.get(`room:${roomId}`);
  await withTimeout(
    channel.subscribe("message", (m) => received.push(m)),
    5_000,
    "attach",
  );
  return {
    received,
    close: () => closeClient(client),
  };
}

Deno.test("message changes over HTTP: the author edits (live to a subscriber), others are refused, the owner deletes by API and by form, tombstones hold no text", async () => {
  await withRooms({}, async (f) => {
    const [alice, bob] = await Promise.all([
      f.signedIn("alice"),
      f.signedIn("bob"),
    ]);
    const room = (await f.api(alice, "POST", "/api/rooms", {
      name: "Open",
      private: false,
    })).json;
    const path = `/api/rooms/${room.id}/messages`;
    const post = async (jar: CookieJar, text: string) => {
      const sent = await f.api(jar, "POST", path, {
        text,
        id: `send-${crypto.randomUUID()}`,
      });
      assert.equal(sent.status, 201, sent.text);
      return sent.json.message;
    };
    const raw = async (id: string) =>
      (await f.app.services.kv.get<{ text: string }>(["messages", room.id, id]))
        .value;
    const sub = await subscriber(f, bob, room.id);
    try {
      const alices = await post(alice, "helo");
      const bobs = await post(bob, "bob's secret");
      const bobs2 = await post(bob, "bob's other secret");
      await waitFor(() => sub.received.length === 3, 5_000, "the posts");

      const edited = await f.api(alice, "PATCH", `${path}/${alices.id}`, {
        text: " hello ",
      });
      assert.equal(edited.status, 200, edited.text);
      assert.equal(edited.json.message.text, "hello");
      assert.equal(edited.json.message.version, 1);
      assert.equal(typeof edited.json.message.editedAt, "number");
      await waitFor(() => sub.received.length === 4, 5_000, "the edit, live");
      assert.deepEqual(
        [sub.received[3].data.id, sub.received[3].data.text],
        [alices.id, "hello"],
      );
      assert.equal(sub.received[3].data.version, 1);

      // Bob may neither edit nor delete Alice's message; the reason says why.
      for (const [method, body] of [["PATCH", { text: "mine" }], ["DELETE"]]) {
        const refused = await f.api(
          bob,
          method as string,
          `${path}/${alices.id}`,
          body,
        );
        assert.equal(refused.status, 403, `${method} ${refused.text}`);
        assert.match(refused.json.error, /author/);
      }
      assert.equal((await raw(alices.id))?.text, "hello");
      const badText = await f.api(alice, "PATCH", `${path}/${alices.id}`, {
        text: " ",
      });
      assert.equal(badText.status, 400);

      // Alice owns the room: she deletes Bob's message, by API and by form.
      const deleted = await f.api(alice, "DELETE", `${path}/${bobs.id}`);
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(deleted.json.deleted, true);
      assert.equal(deleted.json.message.text, "");
      assert.equal(typeof deleted.json.message.deletedAt, "number");
      const again = await f.api(alice, "DELETE", `${path}/${bobs.id}`);
      assert.deepEqual([again.status, again.json], [200, deleted.json]);
      const byForm = await f.form(alice, `/rooms/${room.id}`, {
        action: "delete-message",
        messageId: bobs2.id,
      });
      assert.equal(byForm.status, 303);
      assert.equal(byForm.headers.get("location"), `/rooms/${room.id}`);
      for (const id of [bobs.id, bobs2.id]) {
        const stored = await raw(id);
        assert.equal(stored?.text, "");
        assert.ok(!JSON.stringify(stored).includes("secret"));
      }
      await waitFor(() => sub.received.length === 6, 5_000, "the deletes");
      assert.deepEqual(
        sub.received.slice(4).map((m) => m.data.text).sort(),
        ["", ""],
      );

      // A deleted message cannot be edited; unknown and malformed ids are 404.
      const editDeleted = await f.api(bob, "PATCH", `${path}/${bobs.id}`, {
        text: "back",
      });
      assert.equal(editDeleted.status, 404, editDeleted.text);
      for (const id of ["01JABCDEFGHJKMNPQRSTVWXYZ0", "not-a-message-id"]) {
        for (const method of ["PATCH", "DELETE"]) {
          const missing = await f.api(
            alice,
            method,
            `${path}/${id}`,
            method === "PATCH" ? { text: "x" } : undefined,
          );
          assert.equal(missing.status, 404, `${method} ${id}`);
        }
      }
      // Bob cannot delete by form either.
      const bobForm = await f.form(bob, `/rooms/${room.id}`, {
        action: "delete-message",
        messageId: alices.id,
      });
      assert.equal(
        bobForm.headers.get("location"),
        `/rooms/${room.id}?error=forbidden`,
      );

      const page = await f.api(bob, "GET", path);
      assert.deepEqual(
        page.json.messages.map((
          m: { id: string; text: string; version?: number },
        ) => [m.id, m.text, m.version]),
        [[alices.id, "hello", 1], [bobs.id, "", 1], [bobs2.id, "", 1]],
      );
      assert.ok(!page.text.includes("secret"));

      // Only the owner is a moderator, in the island's props too.
      const alicePage = await f.page(alice, `/rooms/${room.id}`);
      const bobPage = await f.page(bob, `/rooms/${room.id}`);
      assert.match(alicePage.text, /"moderator":true/);
      assert.match(bobPage.text, /"moderator":false/);
    } finally {
      await sub.close();
    }
  });
});

Deno.test("message changes: 403 Forbidden for a room not seen, from another origin, and nobody moderates the lobby", async () => {
  await withRooms({}, async (f) => {
    const [alice, bob, carol] = await Promise.all([
      f.signedIn("alice"),
      f.signedIn("bob"),
      f.signedIn("carol"),
    ]);
    const room = (await f.api(alice, "POST", "/api/rooms", {
      name: "Closed",
      private: true,
    })).json;
    const sent = await f.api(alice, "POST", `/api/rooms/${room.id}/messages`, {
      text: "hi",
      id: "private-send-1",
    });
    const target = `/api/rooms/${room.id}/messages/${sent.json.message.id}`;
    const unseen = await f.api(carol, "DELETE", target);
    assert.deepEqual([unseen.status, unseen.json], [403, {
      error: "Forbidden",
    }]);
    const foreign = await f.api(alice, "DELETE", target, undefined, {
      origin: "http://evil.example",
    });
    assert.equal(foreign.status, 403);
    const anonymous = await f.api(null, "DELETE", target);
    assert.equal(anonymous.status, 401);

    const lobby = await f.api(bob, "POST", "/api/rooms/lobby/messages", {
      text: "lobby",
      id: "lobby-send-1",
    });
    const inLobby = await f.api(
      alice,
      "DELETE",
      `/api/rooms/lobby/messages/${lobby.json.message.id}`,
    );
    assert.equal(inLobby.status, 403);
    const own = await f.api(
      bob,
      "DELETE",
      `/api/rooms/lobby/messages/${lobby.json.message.id}`,
    );
    assert.equal(own.status, 200);
  });
});
