import assert from "node:assert/strict";
import {
  canonicalCapability,
  intersectCapability,
  operationsFor,
  parseCapability,
  resourceMatches,
} from "./capability.ts";
import { AblyError } from "../core/mod.ts";

Deno.test("resource patterns match as Ably's do", () => {
  assert.ok(resourceMatches("*", "room"));
  assert.ok(resourceMatches("*", "a:b:c"));
  assert.ok(!resourceMatches("*", "[meta]log"));
  assert.ok(resourceMatches("[*]*", "[meta]log"));
  assert.ok(resourceMatches("room:*", "room:a"));
  assert.ok(resourceMatches("room:*", "room:a:b"));
  assert.ok(!resourceMatches("room:*", "room"));
  assert.ok(!resourceMatches("room:*", "roomy:a"));
  assert.ok(resourceMatches("foo*", "foo*"));
  assert.ok(!resourceMatches("foo*", "foobar"));
  assert.ok(resourceMatches("room", "room"));
});

Deno.test("canonical form sorts resources and operations", () => {
  const cap = parseCapability('{ "b": ["subscribe","publish"], "a": ["*"] }');
  assert.equal(
    canonicalCapability(cap),
    '{"a":["*"],"b":["publish","subscribe"]}',
  );
  assert.throws(() => parseCapability("{}"), AblyError);
  assert.throws(() => parseCapability('{"a":["fly"]}'), AblyError);
  assert.throws(() => parseCapability("not json"), AblyError);
});

Deno.test("intersection narrows to the key and refuses empty results", () => {
  const key = parseCapability({
    "room:*": ["publish", "subscribe"],
    "news": ["subscribe"],
  });
  assert.deepEqual(
    intersectCapability(key, parseCapability({ "room:a": ["*"] })),
    { "room:a": ["publish", "subscribe"] },
  );
  assert.deepEqual(
    intersectCapability(key, parseCapability({ "*": ["subscribe"] })),
    { "news": ["subscribe"], "room:*": ["subscribe"] },
  );
  assert.deepEqual(intersectCapability(key, undefined), key);
  assert.throws(
    () => intersectCapability(key, parseCapability({ "other": ["subscribe"] })),
    (err: AblyError) => err.code === 40160,
  );
  assert.throws(
    () => intersectCapability(key, parseCapability({ "news": ["publish"] })),
    (err: AblyError) => err.code === 40160,
  );
  const ops = operationsFor(parseCapability({ "room:*": ["*"] }), "room:x");
  assert.ok(ops.has("publish") && ops.has("presence") && ops.has("history"));
});
