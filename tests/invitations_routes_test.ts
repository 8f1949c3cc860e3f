/**
 * Invitations through the runtime (`startTestApp`: real KV, the embedded
 * emulator and provider), with plain `Request`s: an invite asks and grants
 * nothing, the invitee's Join makes a member, Decline and Withdraw leave no
 * trace, expired invitations are none, a hundred of them block nothing, and
 * every state change checks the Origin. The invitee's live notice is
 * checked with the real SDK on their own channel.
 */
import assert from "node:assert/strict";
import * as Ably from "ably";
import { closeClient } from "../lib/emulator/test_helpers.ts";
import { emulatorClientOptions } from "../lib/emulator/mod.ts";
import { INVITATION_TTL_MS } from "../lib/rooms/mod.ts";
import { type RoomsFixture, withRooms } from "./rooms_helpers.ts";

const NO_ROOM_CHANGE_LIMITS = {
  MEMBER_CHANGE_RATE_LIMIT_PER_MIN: "0",
  INVITE_TARGET_RATE_LIMIT_PER_MIN: "0",
};

async function keysUnder(kv: Deno.Kv, prefix: Deno.KvKey) {
  const keys = [];
  for await (const e of kv.list({ prefix })) keys.push(e.key);
  return keys;
}

/** alice owns a private room; bob and carol are signed in. */
async function aliceRoom(f: RoomsFixture, name = "Design review") {
  const [alice, bob, carol] = await Promise.all(
    ["alice", "bob", "carol"].map((login) => f.signedIn(login)),
  );
  const created = await f.api(alice, "POST", "/api/rooms", {
    name,
    private: true,
  });
  assert.equal(created.status, 201, created.text);
  return { alice, bob, carol, id: created.json.id as string };
}

Deno.test("invite → 201 invitation; the invitee stays a stranger until Join, then is a member with a token", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, id } = await aliceRoom(f);
    const members = `/api/rooms/${id}/members`;
    const invited = await f.api(alice, "POST", members, { login: "bob" });
    assert.equal(invited.status, 201, invited.text);
    const { invitation } = invited.json;
    assert.equal(invitation.roomId, id);
    assert.equal(invitation.userId, "embedded:bob");
    assert.equal(invitation.invitedBy, "embedded:alice");
    assert.equal(typeof invitation.createdAt, "number");
    assert.equal(
      invitation.expiresAt - invitation.createdAt,
      INVITATION_TTL_MS,
    );
    const again = await f.api(alice, "POST", members, { login: "bob" });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, { invitation });

    // Still a stranger: the same answers as before the invite.
    assert.equal((await f.api(bob, "GET", `/api/rooms/${id}`)).status, 404);
    assert.equal((await f.api(bob, "GET", `/api/live?room=${id}`)).status, 403);
    assert.equal(
      (await f.api(bob, "POST", `/api/rooms/${id}/messages`, {
        text: "hi",
        id: "client-id-0001",
      })).status,
      403,
    );
    assert.equal((await f.page(bob, `/rooms/${id}`)).status, 404);
    assert.deepEqual(
      (await f.api(alice, "GET", members)).json.members.map((
        m: { id: string },
      ) => m.id),
      ["embedded:alice"],
    );

    const listed = await f.api(bob, "GET", "/api/invitations");
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json, {
      invitations: [{
        roomId: id,
        roomName: "Design review",
        invitedBy: "embedded:alice",
        inviterName: "alice",
        createdAt: invitation.createdAt,
        expiresAt: invitation.expiresAt,
      }],
    });
    const home = await f.page(bob, "/");
    assert.match(home.text, /alice<\/strong> invited you to/);
    assert.match(home.text, /Design review/);
    assert.match(home.text, /value="join">Join<\/button>/);
    assert.match(home.text, /value="decline">\s*Decline\s*<\/button>/);

    const joined = await f.api(bob, "POST", `/api/invitations/${id}`);
    assert.equal(joined.status, 200, joined.text);
    assert.deepEqual(joined.json, {
      room: {
        id,
        name: "Design review",
        private: true,
        channel: `room:${id}`,
      },
    });
    const token = await f.api(bob, "GET", `/api/live?room=${id}`);
    assert.equal(token.status, 200);
    assert.ok(token.json.token);
    assert.deepEqual((await f.api(bob, "GET", "/api/invitations")).json, {
      invitations: [],
    });
    assert.equal(
      (await f.api(bob, "POST", `/api/invitations/${id}`)).status,
      404,
    );
    const member = await f.api(alice, "POST", members, { login: "bob" });
    assert.equal(member.status, 409);
    assert.deepEqual(await keysUnder(f.app.services.kv, ["invitations"]), []);
  });
});

Deno.test("decline leaves no trace; the owner withdraws; neither revokes anything", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, carol, id } = await aliceRoom(f);
    const kv = f.app.services.kv;
    const before = await keysUnder(kv, []);
    const invite = (login: string) =>
      f.api(alice, "POST", `/api/rooms/${id}/members`, { login });
    assert.equal((await invite("bob")).status, 201);
    const declined = await f.api(bob, "DELETE", `/api/invitations/${id}`);
    assert.equal(declined.status, 200);
    assert.deepEqual(declined.json, { declined: true });
    assert.equal(
      (await f.api(bob, "DELETE", `/api/invitations/${id}`)).status,
      404,
    );
    const jobs = (await keysUnder(kv, ["outbox"])).length;
    const after = (await keysUnder(kv, []))
      .filter((k) => k[0] !== "outbox" && k[0] !== "rate");
    assert.deepEqual(
      after.map(String).sort(),
      before.filter((k) => k[0] !== "outbox" && k[0] !== "rate")
        .map(String).sort(),
      "declining left no key behind",
    );
    assert.equal(
      (await keysUnder(kv, ["outbox"])).filter((k) =>
        String(k).includes("revoke")
      )
        .length,
      0,
    );
    assert.ok(jobs >= 0);

    assert.equal((await invite("carol")).status, 201);
    const inv = `/api/rooms/${id}/invitations`;
    assert.deepEqual(
      (await f.api(alice, "GET", inv)).json.invitations.map((
        i: { userId: string },
      ) => i.userId),
      ["embedded:carol"],
    );
    assert.equal((await f.api(bob, "GET", inv)).status, 404);
    assert.equal(
      (await f.api(carol, "DELETE", `${inv}/embedded:carol`)).status,
      404,
    );
    const withdrawn = await f.api(alice, "DELETE", `${inv}/embedded:carol`);
    assert.equal(withdrawn.status, 200);
    assert.deepEqual(withdrawn.json, { withdrawn: true });
    assert.deepEqual(
      (await f.api(alice, "DELETE", `${inv}/embedded:carol`)).json,
      { withdrawn: false },
    );
    assert.equal(
      (await f.api(carol, "POST", `/api/invitations/${id}`)).status,
      404,
    );
    assert.deepEqual(await keysUnder(kv, ["invitations"]), []);
    assert.deepEqual(await keysUnder(kv, ["user_invitations"]), []);
  });
});

Deno.test("an expired invitation is listed nowhere and cannot be joined", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, id } = await aliceRoom(f);
    const kv = f.app.services.kv;
    assert.equal(
      (await f.api(alice, "POST", `/api/rooms/${id}/members`, {
        login: "bob",
      })).status,
      201,
    );
    // As KV would still hold it for a while after `expiresAt`.
    for (
      const key of [["invitations", id, "embedded:bob"], [
        "user_invitations",
        "embedded:bob",
        id,
      ]]
    ) {
      const entry = await kv.get<{ expiresAt: number }>(key);
      await kv.set(key, { ...entry.value!, expiresAt: Date.now() - 1 });
    }
    assert.deepEqual((await f.api(bob, "GET", "/api/invitations")).json, {
      invitations: [],
    });
    assert.doesNotMatch((await f.page(bob, "/")).text, /invited you to/);
    assert.equal(
      (await f.api(bob, "POST", `/api/invitations/${id}`)).status,
      404,
    );
    const form = await f.form(bob, `/invitations/${id}`, { action: "join" });
    assert.equal(form.headers.get("location"), "/?error=invitation");
    assert.equal((await f.api(bob, "GET", `/api/live?room=${id}`)).status, 403);
  });
});

Deno.test("100 invitations do not block the invitee's own POST /api/rooms", async () => {
  // The room-change limits would stop the 100 creates first; they are
  // tested on their own (narrow_removal_test, room_creation_limit_test).
  await withRooms(NO_ROOM_CHANGE_LIMITS, async (f) => {
    const [mallory, bob] = await Promise.all(
      ["mallory", "bob"].map((login) => f.signedIn(login)),
    );
    for (let i = 0; i < 100; i++) {
      const room = await f.api(mallory, "POST", "/api/rooms", {
        name: `Trap ${i}`,
        private: true,
      });
      assert.equal(room.status, 201, room.text);
      const invited = await f.api(
        mallory,
        "POST",
        `/api/rooms/${room.json.id}/members`,
        { login: "bob" },
      );
      assert.equal(invited.status, 201, invited.text);
    }
    const own = await f.api(bob, "POST", "/api/rooms", {
      name: "Mine",
      private: false,
    });
    assert.equal(own.status, 201, own.text);
    assert.equal(
      (await f.api(bob, "GET", "/api/invitations")).json.invitations.length,
      100,
    );
  });
});

Deno.test("non-owners cannot invite or withdraw (403/404 as today); every state change checks the Origin", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, carol, id } = await aliceRoom(f);
    await f.inviteAndJoin(alice, id, "bob", bob);
    const members = `/api/rooms/${id}/members`;
    assert.equal(
      (await f.api(bob, "POST", members, { login: "carol" })).status,
      403,
    );
    const stranger = await f.api(carol, "POST", members, { login: "carol" });
    assert.equal(stranger.status, 404);
    assert.equal(
      (await f.api(alice, "POST", "/api/rooms/lobby/members", {
        login: "bob",
      })).status,
      403,
    );

    assert.equal(
      (await f.api(alice, "POST", members, { login: "carol" })).status,
      201,
    );
    for (const origin of [null, "https://evil.example"]) {
      const options = { origin };
      const states = [
        await f.api(alice, "POST", members, { login: "carol" }, options),
        await f.api(
          carol,
          "POST",
          `/api/invitations/${id}`,
          undefined,
          options,
        ),
        await f.api(
          carol,
          "DELETE",
          `/api/invitations/${id}`,
          undefined,
          options,
        ),
        await f.api(
          alice,
          "DELETE",
          `/api/rooms/${id}/invitations/embedded:carol`,
          undefined,
          options,
        ),
        await f.form(carol, `/invitations/${id}`, { action: "join" }, options),
        await f.form(alice, `/rooms/${id}`, {
          action: "withdraw",
          userId: "embedded:carol",
        }, options),
      ];
      assert.deepEqual(
        states.map((a) => a.status),
        [403, 403, 403, 403, 403, 403],
        String(origin),
      );
    }
    // Nothing happened: carol's invitation is still open.
    assert.equal(
      (await f.api(carol, "GET", "/api/invitations")).json.invitations.length,
      1,
    );
    assert.equal(
      (await f.api(null, "GET", "/api/invitations")).status,
      401,
    );
    assert.equal(
      (await f.api(carol, "POST", "/api/invitations/NOT-A-ROOM")).status,
      404,
    );

    // The forms: withdraw, then decline and join answer without JavaScript.
    const withdrawn = await f.form(alice, `/rooms/${id}`, {
      action: "withdraw",
      userId: "embedded:carol",
    });
    assert.equal(
      withdrawn.headers.get("location"),
      `/rooms/${id}?notice=withdrawn`,
    );
    await f.api(alice, "POST", members, { login: "carol" });
    const declined = await f.form(carol, `/invitations/${id}`, {
      action: "decline",
    });
    assert.equal(declined.headers.get("location"), "/?notice=declined");
    assert.match((await f.page(carol, "/?notice=declined")).text, /declined/);
    assert.equal(
      (await f.form(carol, `/invitations/${id}`, { action: "join" })).headers
        .get("location"),
      "/?error=invitation",
    );
  });
});

Deno.test("deleting a room deletes its invitations in the same commit", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, id } = await aliceRoom(f);
    await f.api(alice, "POST", `/api/rooms/${id}/members`, { login: "bob" });
    assert.equal(
      (await f.api(alice, "DELETE", `/api/rooms/${id}`)).status,
      200,
    );
    const kv = f.app.services.kv;
    assert.deepEqual(await keysUnder(kv, ["invitations"]), []);
    assert.deepEqual(await keysUnder(kv, ["user_invitations"]), []);
    assert.deepEqual((await f.api(bob, "GET", "/api/invitations")).json, {
      invitations: [],
    });
  });
});

Deno.test("the invitee hears of the invitation live on their own channel (real SDK)", async () => {
  await withRooms({}, async (f) => {
    const { alice, bob, id } = await aliceRoom(f);
    const emulator = f.app.services.ably.emulator!;
    const token = await f.api(bob, "GET", "/api/live?room=lobby");
    assert.equal(token.status, 200);
    const client = new Ably.Realtime({
      ...emulatorClientOptions(emulator.url),
      authCallback: (_params, callback) => callback(null, token.json.token),
    });
    try {
      const channel = client.channels.get("user:embedded:bob");
      const heard = new Promise<Ably.InboundMessage>((resolve) =>
        channel.subscribe("invitation", resolve)
      );
      await channel.attach();
      await f.api(alice, "POST", `/api/rooms/${id}/members`, { login: "bob" });
      const message = await heard;
      assert.deepEqual(message.data, { roomId: id });
      // Published at once, so the outbox job is done.
      const kv = f.app.services.kv;
      const left = [];
      for await (
        const e of kv.list<{ job: { kind: string } }>({
          prefix: ["outbox"],
        })
      ) if (e.value.job.kind === "invitation") left.push(e.key);
      assert.deepEqual(left, []);
    } finally {
      await closeClient(client);
    }
  });
});
