/**
 * HMAC-SHA256 for a fixed key, for the signing token modes: `request` (the
 * TokenRequest MAC, RSA9g) and `jwt` (HS256). Ably, or `lib/emulator/`
 * locally, recomputes the same MAC with the same key secret.
 *
 * The hash itself is `node:crypto`'s. What this module adds is RFC 2104's
 * construction over it, keyed once: `createHmac` re-derives the key's inner
 * and outer pad states and builds a stream on every call, and on the token
 * route that was the largest single cost (about 9.5 µs of 32; the garbage it
 * leaves shows up in p99). Here the two pad states are hashed once and each
 * signature copies them: about half the time, the same bytes
 * (`hmac_test.ts` checks them against `createHmac` and WebCrypto).
 */
import { createHash, type Hash } from "node:crypto";

const BLOCK_BYTES = 64;

/** Signs texts with one key; `digest` as in `node:crypto` (`base64`, `base64url`). */
export type HmacSha256 = (
  text: string,
  encoding: "base64" | "base64url",
) => string;

export function createHmacSha256(secret: Uint8Array): HmacSha256 {
  // RFC 2104 §2: a key longer than the block is hashed first; shorter keys
  // are padded with zeros to the block size.
  const key = secret.length > BLOCK_BYTES
    ? createHash("sha256").update(secret).digest()
    : secret;
  const innerPad = new Uint8Array(BLOCK_BYTES);
  const outerPad = new Uint8Array(BLOCK_BYTES);
  for (let i = 0; i < BLOCK_BYTES; i++) {
    innerPad[i] = (key[i] ?? 0) ^ 0x36;
    outerPad[i] = (key[i] ?? 0) ^ 0x5c;
  }
  const inner: Hash = createHash("sha256").update(innerPad);
  const outer: Hash = createHash("sha256").update(outerPad);
  // H(K ⊕ opad ‖ H(K ⊕ ipad ‖ text))
  return (text, encoding) =>
    outer.copy().update(inner.copy().update(text).digest()).digest(encoding);
}
