import assert from "node:assert/strict";
import { hmacSha256, importHmacSha256Key } from "./hmac_sha256.ts";

const encoder = new TextEncoder();

async function webCryptoHmac(secret: Uint8Array<ArrayBuffer>, text: string) {
  const key = await crypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", key, encoder.encode(text)),
  );
}

/** Text of `length` code points mixing ASCII, 2-, 3- and 4-byte UTF-8. */
function mixedText(length: number, seed: number): string {
  const alphabet = ["a", "Z", "\n", ":", "é", "ü", "€", "中", "😀"];
  let text = "";
  for (let i = 0; i < length; i++) {
    text += alphabet[(i * 7 + seed) % alphabet.length];
  }
  return text;
}

Deno.test("HMAC-SHA256 equals WebCrypto across block boundaries and UTF-8", async () => {
  const secret = encoder.encode("s3cr3t-Key_value");
  const key = importHmacSha256Key(secret);
  for (let length = 0; length <= 140; length++) {
    for (const text of ["x".repeat(length), mixedText(length, length)]) {
      assert.deepEqual(
        hmacSha256(key, text),
        await webCryptoHmac(secret, text),
        `length ${length}`,
      );
    }
  }
  const long = mixedText(5_000, 3);
  assert.deepEqual(hmacSha256(key, long), await webCryptoHmac(secret, long));
});

Deno.test("HMAC-SHA256 equals WebCrypto for short, block-sized and long keys", async () => {
  for (const size of [1, 31, 63, 64, 65, 200]) {
    const secret = crypto.getRandomValues(new Uint8Array(size));
    const key = importHmacSha256Key(secret);
    const text = "appId.keyId\n60000\n{}\ngithub:1\n1\n2\n";
    assert.deepEqual(
      hmacSha256(key, text),
      await webCryptoHmac(secret, text),
      `key of ${size} bytes`,
    );
  }
});

Deno.test("HMAC-SHA256 matches RFC 4231 test case 2", () => {
  const key = importHmacSha256Key(encoder.encode("Jefe"));
  const mac = hmacSha256(key, "what do ya want for nothing?");
  assert.equal(
    mac.toHex(),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});
