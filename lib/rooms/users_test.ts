import assert from "node:assert/strict";
import { ChatError } from "./errors.ts";
import { user, withKv } from "./test_helpers.ts";
import {
  displayNames,
  findUserIdByLogin,
  getUserRecord,
  indexUserHandles,
  saveUser,
  type UserRecord,
} from "./users.ts";

function embedded(name: string): UserRecord {
  return { id: `embedded:${name}`, login: name, name, provider: "embedded" };
}

function oidc(subject: string, login: string, email?: string): UserRecord {
  const record: UserRecord = {
    id: `oidc:${subject}`,
    login,
    name: login,
    provider: "oidc",
  };
  if (email !== undefined) record.email = email;
  return record;
}

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

Deno.test("saveUser: a GitHub login two accounts claimed (renamed, then taken) is ambiguous until the earlier one signs in with their new login", async () => {
  await withKv(async (kv) => {
    const first = user("first");
    await saveUser(kv, { ...first, login: "Shared" });
    const second = user("second");
    await saveUser(kv, { ...second, login: "shared" });
    for (const typed of ["shared", "SHARED"]) {
      await assert.rejects(
        findUserIdByLogin(kv, "github", typed),
        (e) => e instanceof ChatError && e.code === "ambiguous",
        "never resolved to the latest sign-in",
      );
    }
    // The first user signs in with a new login: "shared" is the second's alone.
    await saveUser(kv, { ...first, login: "renamed" });
    assert.equal(await findUserIdByLogin(kv, "github", "Shared"), second.id);
    assert.equal(await findUserIdByLogin(kv, "github", "renamed"), first.id);
  });
});

Deno.test("embedded names match exactly: carol and CAROL are two people, neither found by the other's name", async () => {
  await withKv(async (kv) => {
    const carol = embedded("carol");
    const upper = embedded("CAROL");
    await saveUser(kv, carol);
    await saveUser(kv, upper);
    assert.equal(await findUserIdByLogin(kv, "embedded", "carol"), carol.id);
    assert.equal(await findUserIdByLogin(kv, "embedded", "CAROL"), upper.id);
    assert.equal(await findUserIdByLogin(kv, "embedded", "Carol"), null);
  });
});

Deno.test("a generic OIDC provider finds people by verified email only (domain folded), and refuses an email two accounts verified", async () => {
  await withKv(async (kv) => {
    const carol = oidc("c1", "carol", "carol@Example.COM");
    const noEmail = oidc("c2", "carol");
    await saveUser(kv, carol);
    await saveUser(kv, noEmail);
    assert.equal(
      await findUserIdByLogin(kv, "oidc", "carol@example.com"),
      carol.id,
    );
    assert.equal(
      await findUserIdByLogin(kv, "oidc", "carol@EXAMPLE.com"),
      carol.id,
    );
    // RFC 5321 §2.4: the local part may be case-sensitive.
    assert.equal(
      await findUserIdByLogin(kv, "oidc", "Carol@example.com"),
      null,
    );
    // preferred_username is not unique (OIDC Core §5.7): no handle at all.
    assert.equal(await findUserIdByLogin(kv, "oidc", "carol"), null);
    assert.equal((await getUserRecord(kv, noEmail.id))?.email, undefined);

    await saveUser(kv, oidc("c3", "other", "carol@example.com"));
    await assert.rejects(
      findUserIdByLogin(kv, "oidc", "carol@example.com"),
      (e) => e instanceof ChatError && e.code === "ambiguous",
    );
  });
});

Deno.test("saveUser keeps an email only where it is the handle", async () => {
  await withKv(async (kv) => {
    const gh = { ...user("dave"), email: "dave@example.com" };
    await saveUser(kv, gh);
    assert.equal((await getUserRecord(kv, gh.id))?.email, undefined);
    assert.equal(
      await findUserIdByLogin(kv, "github", "dave@example.com"),
      null,
    );
  });
});

Deno.test("indexUserHandles: users of the earlier login index are found again (GitHub, embedded), the old index is gone, and it runs once", async () => {
  await withKv(async (kv) => {
    const alice = user("alice");
    const carol = embedded("carol");
    for (const u of [alice, carol]) {
      await kv.set(["users", u.id], u);
      await kv.set(["users_by_login", u.provider, u.login.toLowerCase()], u.id);
    }
    assert.equal(await findUserIdByLogin(kv, "github", "alice"), null);
    await indexUserHandles(kv);
    assert.equal(await findUserIdByLogin(kv, "github", "ALICE"), alice.id);
    assert.equal(await findUserIdByLogin(kv, "embedded", "carol"), carol.id);
    const old = [];
    for await (const e of kv.list({ prefix: ["users_by_login"] })) old.push(e);
    assert.deepEqual(old, []);
    await kv.set(["users", "github:late"], user("late"));
    await indexUserHandles(kv);
    assert.equal(await findUserIdByLogin(kv, "github", "late"), null);
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
    for await (const e of kv.list({ prefix: ["users_by_handle", "github"] })) {
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
