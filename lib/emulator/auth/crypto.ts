/**
 * The few cryptographic primitives the emulator's credentials need:
 * HMAC-SHA256 (the TokenRequest MAC of RSA9g, the HS256 signature of an Ably
 * JWT, the MAC of a connection key) and constant-time comparison of MACs and
 * secrets. Unguessable identifiers are core/ids.ts, since channels mint them
 * too. Node's `crypto` is used for its synchronous HMAC, so a frame or
 * request is checked without awaiting.
 */

import { createHmac, timingSafeEqual } from "node:crypto";

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
