import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createHmacSha256 } from "./hmac.ts";

const encoder = new TextEncoder();

async function webCryptoHmac(
  secret: Uint8Array<ArrayBuffer>,
  text: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

Deno.test("the keyed HMAC equals WebCrypto and createHmac for keys shorter, equal and longer than a block", async () => {
  const texts = [
    "",
    "a",
    'app.key\n3600000\n{"room:lobby":["subscribe"]}\nembedded:ä😀\n1764000000000\n1234567890123456\n',
    "x".repeat(55),
    "x".repeat(64),
    "é".repeat(700),
  ];
  for (const length of [1, 16, 63, 64, 65, 131]) {
    const secret = crypto.getRandomValues(new Uint8Array(length));
    const sign = createHmacSha256(secret);
    for (const text of texts) {
      const expected = await webCryptoHmac(secret, text);
      assert.equal(sign(text, "base64"), expected, `key ${length} B`);
      assert.equal(
        sign(text, "base64url"),
        createHmac("sha256", secret).update(text).digest("base64url"),
      );
    }
    // A signer is reused for every request: earlier texts leave no trace.
    assert.equal(sign("a", "base64"), await webCryptoHmac(secret, "a"));
  }
});

Deno.test('RFC 4231 test case 2 (key "Jefe")', () => {
  const sign = createHmacSha256(encoder.encode("Jefe"));
  const hex = [...atob(sign("what do ya want for nothing?", "base64"))]
    .map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  assert.equal(
    hex,
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});
