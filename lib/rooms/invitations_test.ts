import assert from "node:assert/strict";
import { ChatError } from "./errors.ts";
import { roomAccess } from "./policy.ts";
import {
  createRoom,
  deleteRoom,
  MAX_ROOM_INVITATIONS,
  MAX_ROOMS_PER_USER,
} from "./rooms.ts";
import {
  declineInvitation,
  INVITATION_TTL_MS,
  inviteByLogin,
  joinRoom,
  listInvitations,
  listRoomInvitations,
  withdrawInvitation,
} from "./invitations.ts";
import { memberKey, userRoomKey } from "./room_store.ts";
import { signIn, user, withKv } from "./test_helpers.ts";

const owner = user("owner");
const bob = user("bob");
const carol = user("carol");

const refused = (code: string) => (error: unknown) =>
  error instanceof ChatError && error.code === code;

async function keysUnder(kv: Deno.Kv, prefix: Deno.KvKey) {
  const keys = [];
  for await (const e of kv.list({ prefix })) keys.push(e.key);
  return keys;
}

Deno.test("inviteByLogin: an invitation, not a membership; owner only; repeat answers the open one; a member is a conflict", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, bob, carol);
    const room = await createRoom(kv, owner, { name: "Team", private: true });
    const first = await inviteByLogin(kv, owner, room.id, "bob", { now: 1000 });
    assert.deepEqual(first, {
      created: true,
      invitation: {
        roomId: room.id,
        userId: bob.id,
        invitedBy: owner.id,
        createdAt: 1000,
        expiresAt: 1000 + INVITATION_TTL_MS,
      },
    });
    const again = await inviteByLogin(kv, owner, room.id, "BOB", { now: 2000 });
    assert.deepEqual(again, { created: false, invitation: first.invitation });
    // Still a stranger: the policy sees no membership.
    assert.equal(await roomAccess(kv, bob, room.id), null);
    assert.equal((await roomAccess(kv, owner, room.id))?.room.memberCount, 1);
    await assert.rejects(
      inviteByLogin(kv, owner, room.id, "owner"),
      refused("conflict"),
    );
    await assert.rejects(
      inviteByLogin(kv, owner, room.id, "nobody"),
      refused("not_found"),
    );
    await assert.rejects(
      inviteByLogin(kv, carol, room.id, "carol"),
      refused("not_found"),
    );
    await assert.rejects(
      inviteByLogin(kv, owner, "lobby", "bob"),
      refused("forbidden"),
    );
    const pub = await createRoom(kv, owner, { name: "Open", private: false });
    await assert.rejects(
      inviteByLogin(kv, bob, pub.id, "carol"),
      refused("forbidden"),
    );
  });
});

Deno.test("joinRoom: the invitee becomes a member, the invitation is gone; decline and withdraw leave no trace", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, bob, carol);
    const room = await createRoom(kv, owner, { name: "Team", private: true });
    await inviteByLogin(kv, owner, room.id, "bob");
    await inviteByLogin(kv, owner, room.id, "carol");
    const listed = await listInvitations(kv, bob);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].roomName, "Team");
    assert.equal(listed[0].inviterName, "OWNER");
    assert.deepEqual(
      (await listRoomInvitations(kv, owner, room.id)).map((i) => i.userId)
        .sort(),
      [bob.id, carol.id].sort(),
    );
    await assert.rejects(
      listRoomInvitations(kv, bob, room.id),
      refused("not_found"),
    );

    const joined = await joinRoom(kv, bob, room.id);
    assert.equal(joined.id, room.id);
    assert.ok((await roomAccess(kv, bob, room.id))?.rights.write);
    assert.equal((await roomAccess(kv, owner, room.id))?.room.memberCount, 2);
    assert.ok((await kv.get(memberKey(room.id, bob.id))).value);
    assert.ok((await kv.get(userRoomKey(bob.id, room.id))).value);
    assert.deepEqual(await listInvitations(kv, bob), []);
    await assert.rejects(joinRoom(kv, bob, room.id), refused("not_found"));

    assert.equal(await declineInvitation(kv, carol, room.id), true);
    assert.equal(await declineInvitation(kv, carol, room.id), false);
    await assert.rejects(joinRoom(kv, carol, room.id), refused("not_found"));
    await inviteByLogin(kv, owner, room.id, "carol");
    await assert.rejects(
      withdrawInvitation(kv, bob, room.id, carol.id),
      refused("forbidden"),
    );
    assert.equal(await withdrawInvitation(kv, owner, room.id, carol.id), true);
    assert.deepEqual(await keysUnder(kv, ["invitations"]), []);
    assert.deepEqual(await keysUnder(kv, ["user_invitations"]), []);
    assert.equal(await roomAccess(kv, carol, room.id), null);
  });
});

Deno.test("an expired invitation is no invitation, even before KV drops it", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, bob);
    const room = await createRoom(kv, owner, { name: "Team", private: true });
    const past = Date.now() - INVITATION_TTL_MS - 1;
    await inviteByLogin(kv, owner, room.id, "bob", { now: past });
    assert.deepEqual(await listInvitations(kv, bob), []);
    assert.deepEqual(await listRoomInvitations(kv, owner, room.id), []);
    await assert.rejects(joinRoom(kv, bob, room.id), refused("not_found"));
    // Inviting again opens a fresh one.
    const renewed = await inviteByLogin(kv, owner, room.id, "bob");
    assert.equal(renewed.created, true);
    await joinRoom(kv, bob, room.id);
  });
});

Deno.test("invitations count against no room allowance; joining checks the invitee's", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, bob);
    const room = await createRoom(kv, owner, { name: "Team", private: true });
    await inviteByLogin(kv, owner, room.id, "bob");
    for (let i = 0; i < MAX_ROOMS_PER_USER - 1; i++) {
      await kv.set(["user_rooms", bob.id, `room${i}`], { addedAt: 0 });
    }
    // One room to spare: bob's own create takes it, then the join is refused.
    await createRoom(kv, bob, { name: "Bob's", private: false });
    await assert.rejects(joinRoom(kv, bob, room.id), refused("conflict"));
  });
});

Deno.test("a room holds at most MAX_ROOM_INVITATIONS open; its delete takes them all", async () => {
  await withKv(async (kv) => {
    const users = Array.from(
      { length: MAX_ROOM_INVITATIONS + 1 },
      (_, i) => user(`i${i}`),
    );
    await signIn(kv, owner, ...users);
    const room = await createRoom(kv, owner, { name: "Many", private: true });
    for (const u of users.slice(0, -1)) {
      await inviteByLogin(kv, owner, room.id, u.login);
    }
    await assert.rejects(
      inviteByLogin(kv, owner, room.id, users.at(-1)!.login),
      refused("conflict"),
    );
    await deleteRoom(kv, owner, room.id);
    assert.deepEqual(await keysUnder(kv, ["invitations"]), []);
    assert.deepEqual(await keysUnder(kv, ["user_invitations"]), []);
  });
});
