import assert from "node:assert/strict";
import { markRead, unreadCounts } from "./unread.ts";
import { memberKey, userRoomKey } from "./room_store.ts";

const ALICE = "github:1";

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

/** alice is a member of `roomId`, which has had `posted`, trimmed `trimmed`. */
async function room(
  kv: Deno.Kv,
  roomId: string,
  posted: number,
  trimmed = 0,
) {
  const op = kv.atomic()
    .set(memberKey(roomId, ALICE), { addedAt: 0 })
    .set(userRoomKey(ALICE, roomId), { addedAt: 0 });
  if (posted) {
    op.set(
      ["message_counts", roomId, "posted"],
      new Deno.KvU64(BigInt(posted)),
    );
  }
  if (trimmed) {
    op.set(
      ["message_counts", roomId, "trimmed"],
      new Deno.KvU64(BigInt(trimmed)),
    );
  }
  await op.commit();
}

Deno.test("unreadCounts: posted − read, at most what the room holds; every member room, across getMany batches", async () => {
  await withKv(async (kv) => {
    await room(kv, "aaaaaaaaaaaaaaa1", 12_000, 2_000); // never read: what it holds
    await room(kv, "aaaaaaaaaaaaaaa2", 0); // just created
    await room(kv, "aaaaaaaaaaaaaaa3", 7);
    assert.equal(await markRead(kv, ALICE, "aaaaaaaaaaaaaaa3"), true);
    await kv.set(
      ["message_counts", "aaaaaaaaaaaaaaa3", "posted"],
      new Deno.KvU64(9n),
    );
    // 40 more rooms: 120 keys, twelve getMany calls.
    for (let i = 10; i < 50; i++) await room(kv, `bbbbbbbbbbbbbb${i}`, i);
    const counts = await unreadCounts(kv, ALICE);
    assert.equal(Object.keys(counts).length, 43);
    assert.equal(counts["aaaaaaaaaaaaaaa1"], 10_000);
    assert.equal(counts["aaaaaaaaaaaaaaa2"], 0);
    assert.equal(counts["aaaaaaaaaaaaaaa3"], 2);
    assert.equal(counts["bbbbbbbbbbbbbb49"], 49);
  });
});

Deno.test("markRead: only for members, never backwards, false when nothing was unread; never the lobby", async () => {
  await withKv(async (kv) => {
    await room(kv, "aaaaaaaaaaaaaaa1", 5);
    assert.equal(await markRead(kv, "github:2", "aaaaaaaaaaaaaaa1"), false);
    assert.equal(
      (await kv.get(["room_reads", "github:2", "aaaaaaaaaaaaaaa1"])).value,
      null,
    );
    assert.equal(await markRead(kv, ALICE, "aaaaaaaaaaaaaaa1"), true);
    assert.equal(await markRead(kv, ALICE, "aaaaaaaaaaaaaaa1"), false);
    // A late read of an older count never lowers the marker.
    await kv.atomic().max(["room_reads", ALICE, "aaaaaaaaaaaaaaa1"], 3n)
      .commit();
    assert.equal((await unreadCounts(kv, ALICE))["aaaaaaaaaaaaaaa1"], 0);
    assert.equal(await markRead(kv, ALICE, "lobby"), false);
  });
});
