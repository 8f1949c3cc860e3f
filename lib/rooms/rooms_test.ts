import assert from "node:assert/strict";
import { postMessage } from "./messages.ts";
import { roomAccess } from "./policy.ts";
import {
  createRoom,
  deleteRoom,
  listMembers,
  listVisibleRooms,
  MAX_MEMBERS,
  MAX_ROOMS_PER_USER,
  removeMember,
} from "./rooms.ts";
import { inviteByLogin, joinRoom } from "./invitations.ts";
import {
  inviteAndJoin,
  refused,
  signIn,
  user,
  withKv,
} from "./test_helpers.ts";

const owner = user("owner");
const bob = user("bob");
const carol = user("carol");

async function memberships(kv: Deno.Kv): Promise<string[]> {
  const found: string[] = [];
  for await (const e of kv.list({ prefix: ["room_members"] })) {
    found.push(`${String(e.key[1])}<-${String(e.key[2])}`);
  }
  for await (const e of kv.list({ prefix: ["user_rooms"] })) {
    found.push(`${String(e.key[2])}->${String(e.key[1])}`);
  }
  return found.sort();
}

Deno.test("createRoom checks the name and makes the owner a member, both directions", async () => {
  await withKv(async (kv) => {
    const room = await createRoom(kv, owner, {
      name: "  Team  ",
      private: true,
    });
    assert.equal(room.name, "Team");
    assert.equal(room.ownerId, owner.id);
    assert.equal(room.memberCount, 1);
    assert.deepEqual(
      await memberships(kv),
      [
        `${room.id}<-${owner.id}`,
        `${room.id}->${owner.id}`,
      ].sort(),
    );
    for (
      const name of ["", "   ", "x".repeat(61), "a\u0007b", "tab\there", 42]
    ) {
      await assert.rejects(
        createRoom(kv, owner, { name, private: false }),
        refused("invalid_input"),
      );
    }
    await assert.rejects(
      createRoom(kv, owner, { name: "ok", private: "yes" }),
      refused("invalid_input"),
    );
    assert.equal(
      (await createRoom(kv, owner, { name: "é".repeat(60), private: false }))
        .name.length,
      60,
    );
  });
});

Deno.test("concurrent joins of many invitees all land, counted once each", async () => {
  await withKv(async (kv) => {
    const users = Array.from({ length: 12 }, (_, i) => user(`p${i}`));
    await signIn(kv, owner, ...users);
    const room = await createRoom(kv, owner, { name: "Busy", private: true });
    for (const u of users) await inviteByLogin(kv, owner, room.id, u.login);
    const results = await Promise.allSettled(
      users.map((u) => joinRoom(kv, u, room.id)),
    );
    const added = results.filter((r) => r.status === "fulfilled").length;
    const access = await roomAccess(kv, owner, room.id);
    const members = await listMembers(kv, owner, room.id);
    assert.equal(access?.room.memberCount, members.length);
    assert.equal(members.length, added + 1);
    assert.ok(added >= 5, `only ${added} of 12 concurrent joins landed`);
    assert.equal((await memberships(kv)).length, 2 * members.length);
  });
});

Deno.test("removeMember: owner removes, member leaves, others refused; both directions gone", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, bob, carol);
    const room = await createRoom(kv, owner, { name: "Team", private: true });
    await inviteAndJoin(kv, owner, room.id, "bob");
    await inviteAndJoin(kv, owner, room.id, "carol");
    await assert.rejects(
      removeMember(kv, bob, room.id, carol.id),
      refused("forbidden"),
    );
    await assert.rejects(
      removeMember(kv, owner, room.id, owner.id),
      refused("forbidden"),
    );
    assert.deepEqual(await removeMember(kv, owner, room.id, bob.id), {
      affectedUserIds: [bob.id],
    });
    assert.deepEqual(await removeMember(kv, owner, room.id, bob.id), {
      affectedUserIds: [],
    });
    assert.deepEqual(await removeMember(kv, carol, room.id, carol.id), {
      affectedUserIds: [carol.id],
    });
    assert.deepEqual(
      await memberships(kv),
      [
        `${room.id}<-${owner.id}`,
        `${room.id}->${owner.id}`,
      ].sort(),
    );
    assert.equal((await roomAccess(kv, owner, room.id))?.room.memberCount, 1);
  });
});

Deno.test("deleteRoom: owner only; room, memberships and messages gone in one go; returns who lost access", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, bob, carol);
    const room = await createRoom(kv, owner, { name: "Team", private: false });
    await inviteAndJoin(kv, owner, room.id, "bob");
    const access = await roomAccess(kv, carol, room.id);
    assert.ok(access);
    await postMessage(kv, {
      access,
      user: carol,
      text: "hi",
      clientMessageId: "cmid-0001",
    });
    await assert.rejects(deleteRoom(kv, bob, room.id), refused("forbidden"));
    await assert.rejects(deleteRoom(kv, owner, "lobby"), refused("forbidden"));
    const extended: string[][] = [];
    const { affectedUserIds } = await deleteRoom(kv, owner, room.id, {
      extend(op, affected) {
        extended.push(affected);
        op.set(["test_marker", room.id], affected);
      },
    });
    assert.deepEqual(affectedUserIds.sort(), [bob.id, owner.id].sort());
    assert.deepEqual(
      (await kv.get(["test_marker", room.id])).value,
      extended[0],
    );
    assert.equal(await roomAccess(kv, owner, room.id), null);
    assert.deepEqual(await memberships(kv), []);
    for (
      const prefix of [
        ["messages"],
        ["message_ids"],
        ["public_rooms"],
        ["public_rooms_by_age"],
        ["rooms"],
      ]
    ) {
      const left = [];
      for await (const e of kv.list({ prefix })) left.push(e.key);
      assert.deepEqual(left, [], String(prefix));
    }
    await assert.rejects(deleteRoom(kv, owner, room.id), refused("not_found"));
  });
});

Deno.test("deleteRoom racing invites and joins: no membership or invitation outlives the room", async () => {
  await withKv(async (kv) => {
    const users = Array.from({ length: 10 }, (_, i) => user(`r${i}`));
    await signIn(kv, owner, ...users);
    const room = await createRoom(kv, owner, { name: "Race", private: true });
    for (const u of users.slice(0, 5)) {
      await inviteByLogin(kv, owner, room.id, u.login);
    }
    await Promise.allSettled([
      ...users.slice(0, 5).map((u) => joinRoom(kv, u, room.id)),
      ...users.slice(5).map((u) => inviteByLogin(kv, owner, room.id, u.login)),
      deleteRoom(kv, owner, room.id),
    ]);
    // The delete may have lost every try to the race; it wins alone.
    await deleteRoom(kv, owner, room.id).catch(() => {});
    assert.equal(await roomAccess(kv, owner, room.id), null);
    assert.deepEqual(await memberships(kv), []);
    for (const prefix of [["invitations"], ["user_invitations"]]) {
      const left = [];
      for await (const e of kv.list({ prefix })) left.push(e.key);
      assert.deepEqual(left, [], String(prefix));
    }
  });
});

Deno.test("a user in MAX_ROOMS_PER_USER rooms creates no more", async () => {
  await withKv(async (kv) => {
    for (let i = 0; i < MAX_ROOMS_PER_USER; i++) {
      await kv.set(["user_rooms", owner.id, `room${i}`], { addedAt: 0 });
    }
    await assert.rejects(
      createRoom(kv, owner, { name: "One more", private: false }),
      refused("conflict"),
    );
    await createRoom(kv, bob, { name: "Bob's first", private: false });
  });
});

Deno.test("a room is full at MAX_MEMBERS", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, bob);
    const room = await createRoom(kv, owner, { name: "Full", private: true });
    const access = await roomAccess(kv, owner, room.id);
    // Pretend the room is full rather than inviting 200 users.
    await kv.set(["rooms", room.id], {
      ...access!.room,
      memberCount: MAX_MEMBERS,
    });
    await inviteByLogin(kv, owner, room.id, "bob");
    await assert.rejects(joinRoom(kv, bob, room.id), refused("conflict"));
  });
});

Deno.test("listVisibleRooms: lobby, public rooms and own private rooms only", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, bob, carol);
    const pub = await createRoom(
      kv,
      owner,
      { name: "Open", private: false },
      1,
    );
    const priv = await createRoom(
      kv,
      owner,
      { name: "Closed", private: true },
      2,
    );
    const bobs = await createRoom(kv, bob, { name: "Bob's", private: true }, 3);
    await inviteAndJoin(kv, owner, priv.id, "carol");
    const names = async (u: typeof owner) =>
      (await listVisibleRooms(kv, u)).map((r) => r.name);
    assert.deepEqual(await names(owner), ["Lobby", "Closed", "Open"]);
    assert.deepEqual(await names(bob), ["Lobby", "Bob's", "Open"]);
    assert.deepEqual(await names(carol), ["Lobby", "Closed", "Open"]);
    assert.deepEqual(await listVisibleRooms(kv, null), []);
    assert.ok(bobs.id && pub.id);
  });
});
