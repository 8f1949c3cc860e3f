import assert from "node:assert/strict";
import { createRoom, removeMember } from "./rooms.ts";
import { inviteAndJoin, signIn, user, withKv } from "./test_helpers.ts";
import { roomAccess, tokenCapability } from "./policy.ts";

const owner = user("owner");
const member = user("member");
const stranger = user("stranger");
const NONE = null;
const RW = { read: true, write: true, manage: false, moderate: false };
const RWM = { read: true, write: true, manage: true, moderate: true };

Deno.test("policy matrix: lobby, public and private rooms for anonymous, stranger, member and owner", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, member, stranger);
    const pub = await createRoom(kv, owner, { name: "Open", private: false });
    const priv = await createRoom(kv, owner, { name: "Closed", private: true });
    await inviteAndJoin(kv, owner, pub.id, "member");
    await inviteAndJoin(kv, owner, priv.id, "member");
    const unknown = "abcdefghijklmnop";
    const expected = [
      ["lobby", null, NONE],
      ["lobby", stranger, RW],
      ["lobby", member, RW],
      ["lobby", owner, RW],
      [pub.id, null, NONE],
      [pub.id, stranger, RW],
      [pub.id, member, RW],
      [pub.id, owner, RWM],
      [priv.id, null, NONE],
      [priv.id, stranger, NONE],
      [priv.id, member, RW],
      [priv.id, owner, RWM],
      [unknown, null, NONE],
      [unknown, stranger, NONE],
      [unknown, owner, NONE],
      ["room:lobby", owner, NONE],
      ["", owner, NONE],
    ] as const;
    for (const [roomId, who, rights] of expected) {
      const access = await roomAccess(kv, who, roomId);
      assert.deepEqual(
        access?.rights ?? null,
        rights,
        `${roomId} for ${who?.login ?? "anonymous"}`,
      );
      if (access) {
        assert.equal(access.room.id, roomId);
        assert.equal(access.userId, who?.id);
      }
    }
  });
});

Deno.test("policy: a private room refuses a stranger exactly as a room that does not exist", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, stranger);
    const priv = await createRoom(kv, owner, { name: "Closed", private: true });
    assert.deepEqual(
      [
        await roomAccess(kv, stranger, priv.id),
        await tokenCapability(kv, stranger, priv.id),
      ],
      [
        await roomAccess(kv, stranger, "zzzzzzzzzzzzzzzz"),
        await tokenCapability(kv, stranger, "zzzzzzzzzzzzzzzz"),
      ],
    );
  });
});

Deno.test("policy: removal takes access away at once", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, member);
    const priv = await createRoom(kv, owner, { name: "Closed", private: true });
    await inviteAndJoin(kv, owner, priv.id, "member");
    assert.ok(await roomAccess(kv, member, priv.id));
    await removeMember(kv, owner, priv.id, member.id);
    assert.equal(await roomAccess(kv, member, priv.id), null);
    assert.equal(await tokenCapability(kv, member, priv.id), null);
  });
});

Deno.test("tokenCapability: the page's room without publish, the own channel read-only, nothing else", async () => {
  await withKv(async (kv) => {
    await signIn(kv, owner, member);
    const priv = await createRoom(kv, owner, { name: "Closed", private: true });
    await inviteAndJoin(kv, owner, priv.id, "member");
    assert.deepEqual(await tokenCapability(kv, member, priv.id), {
      [`room:${priv.id}`]: ["presence", "subscribe"],
      [`user:${member.id}`]: ["subscribe"],
    });
    assert.deepEqual(await tokenCapability(kv, member, "lobby"), {
      "room:lobby": ["presence", "subscribe"],
      [`user:${member.id}`]: ["subscribe"],
    });
    assert.deepEqual(await tokenCapability(kv, member, null), {
      [`user:${member.id}`]: ["subscribe"],
    });
    assert.equal(await tokenCapability(kv, null, "lobby"), null);
    assert.equal(await tokenCapability(kv, null, null), null);
  });
});
