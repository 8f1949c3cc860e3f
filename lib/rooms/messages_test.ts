import assert from "node:assert/strict";
import { jobKey } from "../outbox/mod.ts";
import { roomAccess } from "./policy.ts";
import {
  decodeCursor,
  encodeCursor,
  listMessages,
  MAX_MESSAGE_LENGTH,
  postMessage,
  PUBLISH_RETRY_MS,
  recentMessages,
  TRIM_BATCH,
  trimMessages,
} from "./messages.ts";
import { createRoom, deleteRoom, removeMember } from "./rooms.ts";
import {
  granted,
  inviteAndJoin,
  refused,
  signIn,
  user,
  withKv,
} from "./test_helpers.ts";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";

const alice = user("alice", "Alice");
const bob = user("bob", "BOB");

async function count(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

Deno.test("postMessage stores the trimmed text with the server's name and schedules its publish", async () => {
  await withKv(async (kv) => {
    const access = await granted(kv, alice, "lobby");
    const { message, created, job } = await postMessage(kv, {
      access,
      user: alice,
      text: "  hello  ",
      clientMessageId: "send-0001",
    });
    assert.equal(created, true);
    assert.ok(job);
    assert.partialDeepStrictEqual(message, {
      roomId: "lobby",
      clientId: alice.id,
      name: "Alice",
      text: "hello",
    });
    const outbox = await kv.get(jobKey(job.dueAt, job.id));
    assert.partialDeepStrictEqual(outbox.value, {
      job: { kind: "publish", roomId: "lobby", messageId: message.id },
      attempts: 0,
      // Retried for a quarter of an hour, not only through the backoffs'
      // half-minute: screens still connected to Ably get it once it is back.
      retryUntil: message.at + PUBLISH_RETRY_MS,
    });
  });
});

Deno.test("postMessage refuses bad text and client ids with a reason, storing nothing", async () => {
  await withKv(async (kv) => {
    const access = await granted(kv, alice, "lobby");
    const bad: [unknown, unknown][] = [
      ["", "send-0001"],
      ["   ", "send-0001"],
      ["x".repeat(MAX_MESSAGE_LENGTH + 1), "send-0001"],
      ["bell\u0007", "send-0001"],
      ["line\nbreak", "send-0001"],
      ["lone \ud800 surrogate", "send-0001"],
      [42, "send-0001"],
      ["ok", "short"],
      ["ok", "has spaces in it"],
      ["ok", undefined],
    ];
    for (const [text, clientMessageId] of bad) {
      await assert.rejects(
        postMessage(kv, { access, user: alice, text, clientMessageId }),
        refused("invalid_input"),
      );
    }
    assert.equal(await count(kv, ["messages"]), 0);
    // The limit counts characters, not UTF-16 units.
    await postMessage(kv, {
      access,
      user: alice,
      text: "😀".repeat(MAX_MESSAGE_LENGTH),
      clientMessageId: "send-emoji",
    });
  });
});

Deno.test("the same client message id twice is stored once; the repeat gets the first message", async () => {
  await withKv(async (kv) => {
    const access = await granted(kv, alice, "lobby");
    const input = {
      access,
      user: alice,
      text: "once",
      clientMessageId: "same-id-1",
    };
    const first = await postMessage(kv, input);
    const again = await postMessage(kv, { ...input, text: "changed" });
    assert.equal(again.created, false);
    assert.equal(again.job, null);
    assert.deepEqual(again.message, first.message);
    assert.equal(await count(kv, ["messages"]), 1);
    assert.equal(await count(kv, ["outbox"]), 1);
  });
});

Deno.test("concurrent posts with one client message id store one message", async () => {
  await withKv(async (kv) => {
    const access = await granted(kv, alice, "lobby");
    const results = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          postMessage(kv, {
            access,
            user: alice,
            text: "race",
            clientMessageId: "race-id-1",
          }),
      ),
    );
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.message.id)).size, 1);
    assert.equal(await count(kv, ["messages"]), 1);
    assert.equal(await count(kv, ["outbox"]), 1);
  });
});

Deno.test("client message ids are per room", async () => {
  await withKv(async (kv) => {
    await signIn(kv, alice);
    const room = await createRoom(kv, alice, { name: "Own", private: false });
    const other = await roomAccess(kv, alice, room.id);
    assert.ok(other);
    const a = await postMessage(kv, {
      access: await granted(kv, alice, "lobby"),
      user: alice,
      text: "a",
      clientMessageId: "per-room-1",
    });
    const b = await postMessage(kv, {
      access: other,
      user: alice,
      text: "b",
      clientMessageId: "per-room-1",
    });
    assert.ok(a.created && b.created);
  });
});

Deno.test("posting needs the write right and a current membership", async () => {
  await withKv(async (kv) => {
    await signIn(kv, alice, bob);
    const room = await createRoom(kv, alice, { name: "Team", private: true });
    await inviteAndJoin(kv, alice, room.id, "bob");
    const stale = await roomAccess(kv, bob, room.id);
    assert.ok(stale);
    await removeMember(kv, alice, room.id, bob.id);
    // Bob's access was decided before his removal: the commit sees the change.
    await assert.rejects(
      postMessage(kv, {
        access: stale,
        user: bob,
        text: "hi",
        clientMessageId: "late-post-1",
      }),
      refused("not_found"),
    );
    const own = await roomAccess(kv, alice, room.id);
    await deleteRoom(kv, alice, room.id);
    await assert.rejects(
      postMessage(kv, {
        access: own!,
        user: alice,
        text: "hi",
        clientMessageId: "late-post-2",
      }),
      refused("not_found"),
    );
    await assert.rejects(
      postMessage(kv, {
        access: {
          ...(await granted(kv, alice, "lobby")),
          rights: { read: true, write: false, manage: false, moderate: false },
        },
        user: alice,
        text: "hi",
        clientMessageId: "no-write-1",
      }),
      refused("forbidden"),
    );
    await assert.rejects(
      postMessage(kv, {
        access: await granted(kv, bob, "lobby"),
        user: alice,
        text: "hi",
        clientMessageId: "wrong-user",
      }),
      /another user/,
    );
    assert.equal(await count(kv, ["messages"]), 0);
  });
});

Deno.test("listMessages pages oldest-to-newest by cursor; limits and cursors are checked", async () => {
  await withKv(async (kv) => {
    const access = await granted(kv, alice, "lobby");
    const sent = [];
    for (let i = 0; i < 25; i++) {
      sent.push(
        (await postMessage(kv, {
          access,
          user: alice,
          text: `m${i}`,
          clientMessageId: `page-${i}-xx`,
        }))
          .message.text,
      );
    }
    const texts = (page: { messages: { text: string }[] }) =>
      page.messages.map((m) => m.text);
    const newest = await listMessages(kv, access, { limit: 10 });
    assert.deepEqual(texts(newest), sent.slice(15));
    assert.ok(newest.next);
    const middle = await listMessages(kv, access, {
      before: newest.next,
      limit: 10,
    });
    assert.deepEqual(texts(middle), sent.slice(5, 15));
    const oldest = await listMessages(kv, access, {
      before: middle.next,
      limit: 10,
    });
    assert.deepEqual(texts(oldest), sent.slice(0, 5));
    assert.equal(oldest.next, null);
    const exact = await listMessages(kv, access, { limit: 25 });
    assert.equal(exact.next, null);
    assert.deepEqual(
      (await recentMessages(kv, access, 3)).map((m) => m.text),
      sent.slice(22),
    );
    for (const limit of [0, 101, 1.5, NaN]) {
      await assert.rejects(
        listMessages(kv, access, { limit }),
        refused("invalid_input"),
      );
    }
    for (
      const before of [
        "",
        "garbage",
        "m1.",
        "m1.zzzz",
        encodeCursor(newest.messages[0].id) + "x",
        "../x",
      ]
    ) {
      await assert.rejects(
        listMessages(kv, access, { before }),
        refused("invalid_input"),
        before,
      );
    }
    assert.equal(decodeCursor(newest.next), newest.messages[0].id);
  });
});

Deno.test("concurrent posts get one stable order, consistent with their times", async () => {
  await withKv(async (kv) => {
    const access = await granted(kv, alice, "lobby");
    await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) =>
          postMessage(kv, {
            access,
            user: alice,
            text: `c${i}`,
            clientMessageId: `conc-${i}-xx`,
          }),
      ),
    );
    const page = await listMessages(kv, access, { limit: 100 });
    assert.equal(page.messages.length, 50);
    const ids = page.messages.map((m) => m.id);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 50);
    // Concurrent calls interleave at their KV reads, so which of them made
    // its id first is up to the scheduler; what must hold is that the order
    // is one total order, consistent with the times, and never changes.
    assert.deepEqual(
      new Set(page.messages.map((m) => m.text)),
      new Set(Array.from({ length: 50 }, (_, i) => `c${i}`)),
    );
    const times = page.messages.map((m) => m.at);
    assert.deepEqual([...times].sort((a, b) => a - b), times);
    assert.deepEqual(
      (await listMessages(kv, access, { limit: 100 })).messages,
      page.messages,
    );
  });
});

Deno.test("rooms, members and messages survive closing and reopening a KV file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite3`;
  try {
    let kv = await openKvWithoutQueues(path);
    let roomId: string;
    try {
      await signIn(kv, alice, bob);
      const room = await createRoom(kv, alice, { name: "Kept", private: true });
      roomId = room.id;
      await inviteAndJoin(kv, alice, room.id, "bob");
      const access = await roomAccess(kv, bob, room.id);
      await postMessage(kv, {
        access: access!,
        user: bob,
        text: "persist me",
        clientMessageId: "persist-1",
      });
    } finally {
      kv.close();
    }
    kv = await openKvWithoutQueues(path);
    try {
      const access = await roomAccess(kv, bob, roomId);
      assert.equal(access?.room.name, "Kept");
      assert.equal(access?.room.memberCount, 2);
      assert.deepEqual(
        (await recentMessages(kv, access!)).map((m) => [m.text, m.name]),
        [["persist me", "BOB"]],
      );
      const again = await postMessage(kv, {
        access: access!,
        user: bob,
        text: "persist me",
        clientMessageId: "persist-1",
      });
      assert.equal(
        again.created,
        false,
        "idempotency survives the restart too",
      );
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a room keeps its newest messages: posting past the bound keeps exactly the newest N, and paging back reaches each once, next null at the oldest kept", async () => {
  await withKv(async (kv) => {
    const access = await granted(kv, alice, "lobby");
    const keep = 5;
    let clock = 1_000;
    const posted = [];
    for (let n = 1; n <= 12; n++) {
      const { message } = await postMessage(kv, {
        access,
        user: alice,
        text: `m${n}`,
        clientMessageId: `bounded-${n}`,
      }, { now: () => clock++, keep });
      posted.push(message.id);
      assert.equal(
        await count(kv, ["messages", "lobby"]),
        Math.min(n, keep),
        `after ${n} posts`,
      );
    }
    const seen = [];
    let before: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listMessages(kv, access, { before, limit: 2 });
      seen.unshift(...page.messages.map((m) => m.text));
      before = page.next;
      if (before === null) break;
    }
    assert.equal(before, null);
    assert.deepEqual(seen, ["m8", "m9", "m10", "m11", "m12"]);
    // A cursor from before the trim, now older than all that is kept.
    const stale = await listMessages(kv, access, {
      before: encodeCursor(posted[2]),
      limit: 2,
    });
    assert.deepEqual(stale, { messages: [], next: null });
  });
});

Deno.test("concurrent posts past the bound come back to it; a room from before the count is counted once and trimmed in batches", async () => {
  await withKv(async (kv) => {
    const access = await granted(kv, alice, "lobby");
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        postMessage(kv, {
          access,
          user: alice,
          text: `c${n}`,
          clientMessageId: `concurrent-${n}`,
        }, { keep: 3 })),
    );
    await postMessage(kv, {
      access,
      user: alice,
      text: "last",
      clientMessageId: "concurrent-last",
    }, { keep: 3 });
    assert.equal(await count(kv, ["messages", "lobby"]), 3);
  });
  await withKv(async (kv) => {
    // Stored before rooms were counted: 120 messages and no count keys.
    const access = await granted(kv, alice, "lobby");
    for (let n = 0; n < 120; n++) {
      const id = `01J${String(n).padStart(23, "0")}`;
      await kv.set(["messages", "lobby", id], { id, text: `old${n}` });
    }
    const post = (n: number) =>
      postMessage(kv, {
        access,
        user: alice,
        text: `new${n}`,
        clientMessageId: `after-count-${n}`,
      }, { keep: 10 });
    await post(1);
    assert.equal(await count(kv, ["messages", "lobby"]), 121 - TRIM_BATCH);
    await post(2);
    await post(3);
    assert.equal(await count(kv, ["messages", "lobby"]), 10);
    assert.equal(await trimMessages(kv, "lobby", 10), 0);
  });
});
