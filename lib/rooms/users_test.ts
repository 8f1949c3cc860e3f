import assert from "node:assert/strict";
import { user, withKv } from "./test_helpers.ts";
import {
  displayNames,
  findUserIdByLogin,
  getUserRecord,
  saveUser,
} from "./users.ts";

Deno.test("saveUser stores the user and its login, and follows a login rename", async () => {
  await withKv(async (kv) => {
    const alice = user("alice", "Alice");
    await saveUser(kv, alice);
    assert.deepEqual(await getUserRecord(kv, alice.id), alice);
    assert.equal(await findUserIdByLogin(kv, "github", "alice"), alice.id);
    assert.equal(await findUserIdByLogin(kv, "github", "ALICE"), alice.id);
    await saveUser(kv, { ...alice, login: "alice2", name: "Alice B." });
    assert.equal(await findUserIdByLogin(kv, "github", "alice"), null);
    assert.equal(await findUserIdByLogin(kv, "github", "alice2"), alice.id);
    assert.equal((await getUserRecord(kv, alice.id))?.name, "Alice B.");
    assert.equal(await findUserIdByLogin(kv, "oidc", "alice2"), null);
  });
});

Deno.test("saveUser: a login taken over by another user points to the newest holder, and the old holder's rename leaves it alone", async () => {
  await withKv(async (kv) => {
    const first = user("first");
    await saveUser(kv, { ...first, login: "shared" });
    const second = user("second");
    await saveUser(kv, { ...second, login: "shared" });
    assert.equal(await findUserIdByLogin(kv, "github", "shared"), second.id);
    // The first user signs in with a new login: "shared" stays the second's.
    await saveUser(kv, { ...first, login: "renamed" });
    assert.equal(await findUserIdByLogin(kv, "github", "shared"), second.id);
    assert.equal(await findUserIdByLogin(kv, "github", "renamed"), first.id);
  });
});

Deno.test("saveUser under concurrent sign-ins leaves one consistent record and index", async () => {
  await withKv(async (kv) => {
    const bob = user("bob");
    await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) => saveUser(kv, { ...bob, login: `bob${i}` }),
      ),
    );
    const record = await getUserRecord(kv, bob.id);
    const logins = [];
    for await (const e of kv.list({ prefix: ["users_by_login", "github"] })) {
      logins.push(e.key[2]);
    }
    assert.deepEqual(logins, [record?.login]);
  });
});

Deno.test("displayNames: the names of known ids, unknown and junk ids left out, bounded", async () => {
  await withKv(async (kv) => {
    const ids = [];
    for (let i = 0; i < 25; i++) {
      const u = user(`u${i}`, `User ${i}`);
      await saveUser(kv, u);
      ids.push(u.id);
    }
    const names = await displayNames(kv, [...ids, "github:nobody", "", ids[0]]);
    assert.equal(Object.keys(names).length, 25);
    assert.equal(names[ids[7]], "User 7");
    assert.equal(names["github:nobody"], undefined);
    const many = await displayNames(kv, [
      ...Array.from({ length: 200 }, (_, i) => `x:${i}`),
      ids[0],
    ]);
    assert.deepEqual(many, {}, "ids past the bound are not looked up");
  });
});
