import assert from "node:assert/strict";
import { SessionCache } from "./session_cache.ts";
import type { User } from "./user.ts";

const user = (n: number): User => ({
  id: `embedded:u${n}`,
  provider: "embedded",
  login: `u${n}`,
  name: `u${n}`,
  avatarUrl: null,
});

Deno.test("entries are bounded in number: the least recently used leaves first", () => {
  const cache = new SessionCache({ maxEntries: 2, ttlMs: 1000 });
  cache.set("a", user(1), Infinity, 0, cache.generation);
  cache.set("b", user(2), Infinity, 0, cache.generation);
  assert.ok(cache.get("a", 1));
  cache.set("c", user(3), Infinity, 1, cache.generation);
  assert.equal(cache.size, 2);
  assert.equal(cache.get("b", 2), undefined);
  assert.ok(cache.get("a", 2));
  assert.ok(cache.get("c", 2));
});

Deno.test("entries are bounded in time, and never outlive the session", () => {
  const cache = new SessionCache({ maxEntries: 10, ttlMs: 5000 });
  cache.set("a", user(1), Infinity, 0, cache.generation);
  assert.ok(cache.get("a", 4999));
  assert.equal(cache.get("a", 5000), undefined);

  cache.set("b", user(2), 1000, 0, cache.generation);
  assert.ok(cache.get("b", 999));
  assert.equal(cache.get("b", 1000), undefined);
});

Deno.test("delete forgets at once, and a look-up racing a delete is not remembered", () => {
  const cache = new SessionCache();
  cache.set("a", user(1), Infinity, 0, cache.generation);
  cache.delete("a");
  assert.equal(cache.get("a", 1), undefined);

  const before = cache.generation;
  cache.delete("b");
  cache.set("b", user(2), Infinity, 0, before);
  assert.equal(cache.get("b", 1), undefined);
});
