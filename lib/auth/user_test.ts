import assert from "node:assert/strict";
import { AuthError } from "./errors.ts";
import { toUser } from "./user.ts";

Deno.test("a profile becomes a bounded user record", () => {
  assert.deepEqual(
    toUser("github", {
      subject: 583231,
      login: "octocat",
      name: "The Octocat",
      avatarUrl: "https://avatars.githubusercontent.com/u/583231?v=4",
    }),
    {
      id: "github:583231",
      provider: "github",
      login: "octocat",
      name: "The Octocat",
      avatarUrl: "https://avatars.githubusercontent.com/u/583231?v=4",
    },
  );
});

Deno.test("bad names and avatars are dropped, not trusted", () => {
  const user = toUser("oidc", {
    subject: "abc",
    login: "x".repeat(101),
    name: "evil\u0007name",
    avatarUrl: "javascript:alert(1)",
  });
  assert.deepEqual(user, {
    id: "oidc:abc",
    provider: "oidc",
    login: "abc",
    name: "abc",
    avatarUrl: null,
  });
  for (
    const avatarUrl of [
      "http://evil.example/a.png",
      "https://user:pw@a.example/x",
      "data:image/png;base64,AAAA",
      42,
    ]
  ) {
    assert.equal(toUser("oidc", { subject: "s", avatarUrl }).avatarUrl, null);
  }
  assert.equal(
    toUser("embedded", { subject: "s", avatarUrl: "http://127.0.0.1:9/a.png" })
      .avatarUrl,
    "http://127.0.0.1:9/a.png",
  );
});

Deno.test("a missing or unusable subject fails the sign-in", () => {
  for (
    const subject of [undefined, "", " ", 1.5, {}, "s".repeat(256), "a\nb"]
  ) {
    assert.throws(
      () => toUser("oidc", { subject }),
      (e) => e instanceof AuthError && e.code === "invalid_user",
    );
  }
});

Deno.test("a subject that cannot be a clientId or sit in a list of user ids fails as unusable_subject", () => {
  for (const subject of ["*", "a*", "*@example.com", "a,b", ","]) {
    assert.throws(
      () => toUser("oidc", { subject }),
      (e) => e instanceof AuthError && e.code === "unusable_subject",
      subject,
    );
  }
  // What Ably and the names look-up accept is left alone.
  for (const subject of ["a:b", "auth0|5f7c", "user@example.com", "a b"]) {
    assert.equal(toUser("oidc", { subject }).id, `oidc:${subject}`);
  }
});
