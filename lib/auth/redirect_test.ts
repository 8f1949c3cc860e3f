import assert from "node:assert/strict";
import { safeRedirectTarget, signInPath } from "./redirect.ts";

Deno.test("same-origin paths are kept, normalised", () => {
  assert.equal(safeRedirectTarget("/"), "/");
  assert.equal(safeRedirectTarget("/rooms/1?tab=2#top"), "/rooms/1?tab=2#top");
  assert.equal(safeRedirectTarget("/a/../b"), "/b");
  assert.equal(safeRedirectTarget("/notes/a:b"), "/notes/a:b");
});

Deno.test("anything that could leave the site becomes /", () => {
  const hostile = [
    null,
    undefined,
    "",
    "https://evil.example",
    "http://evil.example/path",
    "//evil.example",
    "///evil.example",
    "/\\evil",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,hi",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil",
    "/%255Cevil",
    "/%252F%252Fevil.example",
    "/\tevil",
    "/\nLocation: https://evil.example",
    "/%0d%0aSet-Cookie:x=y",
    "/\u0000",
    "evil.example",
    "/%E0%A4%A",
    "/" + "a".repeat(3000),
  ];
  for (const raw of hostile) {
    assert.equal(safeRedirectTarget(raw), "/", JSON.stringify(raw));
  }
});

Deno.test("signInPath carries a safe target through ?redirect= and drops the rest", () => {
  assert.equal(signInPath(undefined), "/auth/signin");
  assert.equal(signInPath("/"), "/auth/signin");
  for (const evil of ["https://evil.example", "//evil.example", "/%5Cevil"]) {
    assert.equal(signInPath(evil), "/auth/signin", evil);
  }
  for (
    const target of [
      "/rooms/1?tab=2&x=a+b#top",
      "/notes/a:b",
      "/%E2%9C%93?q=%26",
    ]
  ) {
    const path = signInPath(target);
    assert.match(path, /^\/auth\/signin\?redirect=[^&#]+$/);
    // What the sign-in route reads back is the target itself.
    const read = new URL(path, "http://x.invalid").searchParams.get("redirect");
    assert.equal(safeRedirectTarget(read), safeRedirectTarget(target), target);
  }
});
