import assert from "node:assert/strict";
import {
  compareSegments,
  matchSegments,
  parseSegments,
  patternText,
  splitPath,
} from "./router.ts";

Deno.test("route file names become Fresh's URL patterns", () => {
  const text = (p: string) => patternText(parseSegments(p.split("/")));
  assert.equal(text("index"), "/");
  assert.equal(text("blog/index"), "/blog");
  assert.equal(text("blog/[slug]"), "/blog/:slug");
  assert.equal(text("docs/[...rest]"), "/docs/:rest*");
  assert.equal(text("(marketing)/pricing"), "/pricing");
  assert.equal(text("shop/[[lang]]"), "/shop{/:lang}?");
});

Deno.test("params, rest and optional segments capture the path", () => {
  const match = (p: string, path: string) =>
    matchSegments(parseSegments(p.split("/")), splitPath(path));
  assert.deepEqual(match("blog/[slug]", "/blog/hello"), { slug: "hello" });
  assert.equal(match("blog/[slug]", "/blog/a/b"), null);
  assert.deepEqual(match("docs/[...rest]", "/docs/a/b/c"), { rest: "a/b/c" });
  assert.deepEqual(match("docs/[...rest]", "/docs"), { rest: "" });
  assert.deepEqual(match("shop/[[lang]]", "/shop"), {});
  assert.deepEqual(match("shop/[[lang]]", "/shop/de"), { lang: "de" });
  assert.deepEqual(match("u/[name]", "/u/J%C3%BCrgen"), { name: "Jürgen" });
});

Deno.test("static segments beat params, params beat rest", () => {
  const routes = ["[...rest]", "blog/[slug]", "blog/new", "[page]", "index"]
    .map((p) => parseSegments(p.split("/")));
  routes.sort(compareSegments);
  assert.deepEqual(routes.map(patternText), [
    "/",
    "/blog/new",
    "/blog/:slug",
    "/:page",
    "/:rest*",
  ]);
});
