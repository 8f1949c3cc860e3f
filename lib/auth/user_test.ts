import assert from "node:assert/strict";
import { AuthError } from "./errors.ts";
import { oidcProfile } from "./providers.ts";
import { sessionUser, toUser } from "./user.ts";

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

Deno.test("a verified email is kept for the user record, never for the session", () => {
  const user = toUser("oidc", {
    subject: "s1",
    login: "carol",
    email: "carol@example.com",
  });
  assert.equal(user.email, "carol@example.com");
  assert.equal("email" in sessionUser(user), false);
  for (
    const email of ["two@at@x", "no-at", "a b@x", 7, "x".repeat(250) + "@x.io"]
  ) {
    assert.equal(
      "email" in toUser("oidc", { subject: "s1", email }),
      false,
      String(email),
    );
  }
});

Deno.test("an OIDC profile carries the email only when verified and asked for", () => {
  const claims = { sub: "s1", preferred_username: "carol", email: "c@x.io" };
  assert.equal(
    oidcProfile({ ...claims, email_verified: true }, true).email,
    "c@x.io",
  );
  for (const verified of [false, "true", undefined]) {
    assert.equal(
      oidcProfile({ ...claims, email_verified: verified }, true).email,
      undefined,
      String(verified),
    );
  }
  assert.equal(
    oidcProfile({ ...claims, email_verified: true }, false).email,
    undefined,
    "the embedded provider invites by name",
  );
});
