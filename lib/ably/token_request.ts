/**
 * `request` token mode: a TokenRequest signed here, with no network call.
 *
 * The browser's SDK posts it to `/keys/{keyName}/requestToken` on Ably, or on
 * `lib/emulator/` locally, which recomputes the MAC with the same key secret
 * and exchanges it for a token. The other modes live beside this one:
 * `token` (TokenDetails fetched by the server, `tokens.ts`) and `jwt`
 * (`jwt.ts`).
 *
 * The output is byte-for-byte what the `ably` SDK's
 * `auth.createTokenRequest({ clientId, capability, ttl })` returns for the same
 * timestamp and nonce (`token_request_test.ts` holds them side by side); it is
 * computed here rather than by the SDK because the token route is hot and the
 * SDK's path is asynchronous. The MAC is `node:crypto`'s HMAC, which is
 * synchronous in Deno: WebCrypto's `subtle.sign` hops to a worker thread and
 * costs more latency than the whole route may spend, and a hand-written
 * SHA-256, though a few microseconds faster, is crypto we would have to own
 * (README, Performance, has both numbers).
 */
import type { AblyKey } from "../platform/mod.ts";
import { createHmacSha256 } from "./hmac.ts";

/** A signed TokenRequest (TE1), in the field order the SDK emits. */
export interface TokenRequest {
  /** `appId.keyId`: which key signed this request (TE2). */
  keyName: string;
  /** The identity the token will carry (TE2, RSA7b2). */
  clientId: string;
  /** Canonical capability JSON (RSA9f, TK2b). */
  capability: string;
  /** Requested token lifetime in milliseconds (RSA9e, TK2a). */
  ttl: number;
  /** Creation time, ms since the epoch, from the local clock (RSA9d). */
  timestamp: number;
  /** 16 random decimal digits against replay (RSA9c). */
  nonce: string;
  /** base64 HMAC-SHA256 over the fields above (RSA9g). */
  mac: string;
}

/** What a TokenRequest asks for; timestamp and nonce are generated when absent. */
export interface TokenRequestParams {
  clientId: string;
  /** Already canonical (see `canonicalCapability`). */
  capability: string;
  ttl: number;
  /** Tests pin it; the route leaves it to the local clock. */
  timestamp?: number;
  /** Tests pin it; the route leaves it to `crypto.getRandomValues`. */
  nonce?: string;
}

/** Signs TokenRequests with one key. */
export interface TokenRequestSigner {
  readonly keyName: string;
  sign(params: TokenRequestParams): TokenRequest;
}

/**
 * A signer for `key`.
 *
 * @example
 * ```ts
 * import type { AblyKey } from "../platform/mod.ts";
 * declare const key: AblyKey;
 * const signer = createTokenRequestSigner(key);
 * const request = signer.sign({
 *   clientId: "github:42",
 *   capability: '{"user:github:42":["subscribe"]}',
 *   ttl: 3_600_000,
 * });
 * ```
 */
export function createTokenRequestSigner(key: AblyKey): TokenRequestSigner {
  const { keyName } = key;
  const hmac = createHmacSha256(signingSecret(key));
  return {
    keyName,
    sign({ clientId, capability, ttl, timestamp, nonce }) {
      timestamp ??= Date.now();
      nonce ??= randomNonce();
      // RSA9g: every field newline-terminated, in this order; the SDK and
      // Ably's server both build the same text from the parsed fields.
      const text = keyName + "\n" + ttl + "\n" + capability + "\n" +
        clientId + "\n" + timestamp + "\n" + nonce + "\n";
      return {
        keyName,
        clientId,
        capability,
        ttl,
        timestamp,
        nonce,
        mac: hmac(text, "base64"),
      };
    },
  };
}

/**
 * The HMAC-SHA256 key both signing modes use: the UTF-8 bytes of the key
 * secret, encoded once per signer rather than once per signature.
 */
export function signingSecret(key: AblyKey): Uint8Array {
  return new TextEncoder().encode(key.keySecret.reveal());
}

/** Random words are fetched in batches: one `getRandomValues` call per ~128 nonces. */
const pool = new Uint32Array(256);
let poolOffset = pool.length;
/** The largest multiple of 10^8 below 2^32: words at or above it are skipped. */
const UNBIASED_LIMIT = 42 * 1e8;

/** 8 uniformly random decimal digits from one 32-bit word. */
function eightDigits(): string {
  for (;;) {
    if (poolOffset === pool.length) {
      crypto.getRandomValues(pool);
      poolOffset = 0;
    }
    const word = pool[poolOffset++];
    if (word < UNBIASED_LIMIT) {
      return String(word % 1e8).padStart(8, "0");
    }
  }
}

/**
 * 16 uniformly random decimal digits (RSA9c asks for 16+ characters), from
 * `crypto.getRandomValues`.
 */
export function randomNonce(): string {
  return eightDigits() + eightDigits();
}
