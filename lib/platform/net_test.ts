import assert from "node:assert/strict";
import { isLoopbackUrl, randomId } from "./net.ts";

Deno.test("isLoopbackUrl: IPv4, IPv6 and localhost, nothing else", () => {
  for (
    const url of [
      "http://127.0.0.1:1/",
      "http://localhost/",
      "http://[::1]:8000/x",
    ]
  ) {
    assert.equal(isLoopbackUrl(new URL(url)), true, url);
  }
  for (
    const url of [
      "http://127.0.0.2/",
      "http://example.com/",
      "http://[::2]/",
      "http://localhost.example/",
    ]
  ) {
    assert.equal(isLoopbackUrl(new URL(url)), false, url);
  }
});

Deno.test("randomId: base64url of the asked length, never repeated", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = randomId(32);
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
  assert.match(randomId(12), /^[A-Za-z0-9_-]{16}$/);
});
