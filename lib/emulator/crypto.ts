/**
 * The few cryptographic primitives the emulator needs: HMAC-SHA256 (the
 * TokenRequest MAC of RSA9g and the HS256 signature of an Ably JWT),
 * constant-time comparison of MACs and secrets, and unguessable identifiers
 * for tokens, connection ids and connection keys. Node's `crypto` is used for
 * its synchronous HMAC, so a frame or request is checked without awaiting.
 */

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Base64 HMAC-SHA256 of `text` keyed with `secret`. */
export function hmacBase64(secret: string, text: string): string {
  return createHmac("sha256", secret).update(text).digest("base64");
}

/** Base64url HMAC-SHA256 of `text` keyed with `secret` (JWS HS256). */
export function hmacBase64Url(secret: string, text: string): string {
  return createHmac("sha256", secret).update(text).digest("base64url");
}

/**
 * Compares two strings in time independent of where they differ; different
 * lengths compare unequal after hashing both, so the length leaks nothing
 * useful either.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHmac("sha256", "compare").update(a).digest();
  const hb = createHmac("sha256", "compare").update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** `bytes` random bytes as base64url: ids and tokens nobody can guess. */
export function randomId(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}

/** Random alphanumeric string (no `-`/`_`): for ids parsed with `\w`. */
export function randomAlnum(length: number): string {
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}
