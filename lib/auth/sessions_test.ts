import assert from "node:assert/strict";
import { createSessionStore, sessionKey } from "./sessions.ts";
import type { User } from "./user.ts";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";

const alice: User = {
  id: "embedded:alice",
  provider: "embedded",
  login: "alice",
  name: "alice",
  avatarUrl: null,
};

Deno.test("a session past expiresAt is refused even if KV still returns it", async () => {
  const kv = await openKvWithoutQueues(":memory:");
  try {
    let now = 1_000_000;
    const store = createSessionStore({
      kv,
      ttlSeconds: 60,
      cache: false,
      now: () => now,
    });
    // Written without expireIn, as a record KV has not yet collected.
    await kv.set(sessionKey("s1"), {
      user: alice,
      createdAt: now - 120_000,
      expiresAt: now - 60_000,
    });
    assert.equal(await store.getUser("s1"), null);

    await store.create("s2", alice);
    assert.deepEqual(await store.getUser("s2"), alice);
    now += 60_000;
    assert.equal(await store.getUser("s2"), null);
  } finally {
    kv.close();
  }
});

Deno.test("the cache never extends a session past its expiry", async () => {
  const kv = await openKvWithoutQueues(":memory:");
  try {
    let now = 1_000_000;
    const store = createSessionStore({
      kv,
      ttlSeconds: 60,
      cache: { ttlMs: 3_600_000 },
      now: () => now,
    });
    await store.create("s", alice);
    assert.deepEqual(await store.getUser("s"), alice);
    now += 60_000;
    assert.equal(await store.getUser("s"), null);
  } finally {
    kv.close();
  }
});

Deno.test("the cache answers without KV within its TTL; delete is immediate", async () => {
  const kv = await openKvWithoutQueues(":memory:");
  try {
    let now = 1_000_000;
    const store = createSessionStore({
      kv,
      ttlSeconds: 3600,
      cache: { ttlMs: 5000 },
      now: () => now,
    });
    await store.create("s", alice);
    assert.ok(await store.getUser("s"));
    // Removed behind the cache's back (another instance's sign-out): still
    // served for at most ttlMs.
    await kv.delete(sessionKey("s"));
    assert.ok(await store.getUser("s"));
    now += 5000;
    assert.equal(await store.getUser("s"), null);

    await store.create("t", alice);
    assert.ok(await store.getUser("t"));
    await store.delete("t");
    assert.equal(await store.getUser("t"), null);
  } finally {
    kv.close();
  }
});

Deno.test("malformed records read as no session", async () => {
  const kv = await openKvWithoutQueues(":memory:");
  try {
    const store = createSessionStore({ kv, ttlSeconds: 60 });
    await kv.set(sessionKey("a"), true);
    await kv.set(sessionKey("b"), { user: { id: 1 }, expiresAt: Infinity });
    assert.equal(await store.getUser("a"), null);
    assert.equal(await store.getUser("b"), null);
    assert.equal(store.cache?.size, 0);
  } finally {
    kv.close();
  }
});

Deno.test("a remembered look-up keeps when its KV read began, forgets it after 500 ms, and a fresh look-up reads KV again", async () => {
  const kv = await openKvWithoutQueues(":memory:");
  try {
    let now = 5_000_000;
    const store = createSessionStore({ kv, ttlSeconds: 60, now: () => now });
    await store.create("s1", alice);
    const first = await store.lookup("s1");
    assert.deepEqual(first, { user: alice, readAt: 5_000_000 });
    now += 400;
    // From the cache: the token route must know how old that read is.
    assert.equal((await store.lookup("s1"))?.readAt, 5_000_000);
    assert.equal(
      (await store.lookup("s1", { fresh: true }))?.readAt,
      5_000_400,
    );
    // A sign-out elsewhere: the KV record goes, this instance's cache has it.
    await kv.delete(sessionKey("s1"));
    now += 50;
    assert.ok(await store.lookup("s1"), "still remembered for a moment");
    now += 500;
    assert.equal(await store.lookup("s1"), null, "gone within 500 ms");
    // A fresh read that finds it gone also ends what the cache held.
    await store.create("s2", alice);
    await store.lookup("s2");
    await kv.delete(sessionKey("s2"));
    assert.equal(await store.lookup("s2", { fresh: true }), null);
    assert.equal(await store.lookup("s2"), null);
  } finally {
    kv.close();
  }
});
