/**
 * `/api/live?room=` against the policy, in all three token modes, and what
 * a client holding such a token can and cannot do with the Ably SDK against
 * the app's emulator: no publishing on a room's channel, and no name of its
 * own choosing shown — neither in presence nor beside a message.
 */
import assert from "node:assert/strict";
import * as Ably from "ably";
import { closeClient, withTimeout } from "../lib/emulator/test_helpers.ts";
import { pageClient, withRooms } from "./rooms_helpers.ts";

const within = <T>(ms: number, promise: Promise<T>): Promise<T> =>
  withTimeout(promise, ms, `${ms} ms`);

/** The capability a token carries, as canonical JSON, whatever the mode. */
function capabilityOf(token: unknown): string {
  if (typeof token === "string") {
    const claims = JSON.parse(
      new TextDecoder().decode(
        Uint8Array.fromBase64(token.split(".")[1], { alphabet: "base64url" }),
      ),
    );
    return claims["x-ably-capability"];
  }
  // A TokenRequest and TokenDetails both carry it as `capability`.
  return (token as { capability: string }).capability;
}

for (const mode of ["request", "token", "jwt"]) {
  Deno.test(`${mode} mode: /api/live?room= covers exactly room:<id> [presence, subscribe] and user:<id> [subscribe]; 404 for a malformed id, 401, 403 alike`, async () => {
    await withRooms({ ABLY_TOKEN_MODE: mode }, async (f) => {
      const [alice, carol] = await Promise.all([
        f.signedIn("alice"),
        f.signedIn("carol"),
      ]);
      const created = await f.api(alice, "POST", "/api/rooms", {
        name: "Private",
        private: true,
      });
      const id = created.json.id;
      for (const room of ["lobby", id]) {
        const answer = await f.api(alice, "GET", `/api/live?room=${room}`);
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.headers.get("cache-control"), "private, no-store");
        assert.deepEqual(Object.keys(answer.json), ["token"]);
        assert.equal(
          capabilityOf(answer.json.token),
          `{"room:${room}":["presence","subscribe"],"user:embedded:alice":["subscribe"]}`,
        );
      }
      const none = await f.api(alice, "GET", "/api/live");
      assert.equal(
        capabilityOf(none.json.token),
        '{"user:embedded:alice":["subscribe"]}',
      );

      const forbidden = await f.api(carol, "GET", `/api/live?room=${id}`);
      const unknown = await f.api(
        carol,
        "GET",
        "/api/live?room=aaaaaaaaaaaaaaaa",
      );
      assert.equal(forbidden.status, 403);
      assert.deepEqual(forbidden.json, { error: "Forbidden" });
      assert.deepEqual(
        [forbidden.status, forbidden.text, [...forbidden.headers]],
        [unknown.status, unknown.text, [...unknown.headers]],
      );
      for (const bad of ["", "LOBBY", "room:*", "*"]) {
        const malformed = await f.api(
          alice,
          "GET",
          `/api/live?room=${encodeURIComponent(bad)}`,
        );
        assert.equal(malformed.status, 404, bad);
        assert.deepEqual(malformed.json, { error: "No such room." }, bad);
      }
      const anonymous = await f.api(null, "GET", `/api/live?room=${id}`);
      assert.equal(anonymous.status, 401);
      assert.deepEqual(anonymous.json, { error: "Unauthorized!" });
    });
  });
}

Deno.test("forged names: presence data and a direct publish (refused, 40160) never show; the server's names do", async () => {
  await withRooms({}, async (f) => {
    const [mallory, alice] = await Promise.all([
      f.signedIn("mallory"),
      f.signedIn("alice"),
    ]);
    const client = pageClient(f, mallory, "lobby");
    try {
      const channel = client.channels.get("room:lobby");
      await within(5_000, channel.attach());
      await within(
        5_000,
        channel.presence.enter({ name: "The Administrator", login: "admin" }),
      );
      await assert.rejects(
        within(
          5_000,
          channel.publish("message", {
            id: "01JABCDEFGHJKMNPQRSTVWXYZ0",
            text: "trust me",
            name: "The Administrator",
            at: 1,
          }),
        ),
        (error: Ably.ErrorInfo) => {
          assert.equal(error.code, 40160, error.message);
          return true;
        },
      );
      const received = new Promise<Ably.InboundMessage>((resolve) =>
        channel.subscribe("message", resolve)
      );
      // Through the server, a name in the body is ignored.
      const sent = await f.api(mallory, "POST", "/api/rooms/lobby/messages", {
        text: "hello",
        id: "forged-name-1",
        name: "The Administrator",
      });
      assert.equal(sent.status, 201);
      assert.equal(sent.json.message.name, "mallory");
      const message = await within(5_000, received);
      assert.equal(message.clientId, "embedded:mallory");
      assert.equal(message.data.name, "mallory");
      assert.equal(message.data.id, sent.json.message.id);

      // Presence shows whoever entered; the names the island shows come
      // from the server's look-up of their clientIds.
      const present = await within(5_000, channel.presence.get());
      assert.deepEqual(present.map((p) => p.clientId), ["embedded:mallory"]);
      const names = await f.api(
        alice,
        "GET",
        `/api/rooms/lobby/names?ids=${
          present.map((p) => p.clientId).join(",")
        }`,
      );
      assert.deepEqual(names.json, {
        names: { "embedded:mallory": "mallory" },
      });

      // Nothing the client published reached the channel.
      const history = await f.app.services.ably.tokens.rest.channels.get(
        "room:lobby",
      ).history();
      assert.deepEqual(history.items.map((m) => m.data.text), ["hello"]);
    } finally {
      await closeClient(client);
    }
  });
});
