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
 * computed here rather than by the SDK because the token route is hot: the
 * HMAC key is imported into WebCrypto once, and nothing else is allocated
 * beyond the request itself.
 */
import type { AblyKey } from "../config.ts";

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
  sign(params: TokenRequestParams): Promise<TokenRequest>;
}

const encoder = new TextEncoder();

/**
 * A signer for `key`. The WebCrypto key is imported on first use and kept, so
 * each request costs one HMAC.
 *
 * @example
 * ```ts
 * const signer = createTokenRequestSigner(config.ably.key!);
 * const request = await signer.sign({ clientId, capability, ttl: 3_600_000 });
 * ```
 */
export function createTokenRequestSigner(key: AblyKey): TokenRequestSigner {
  const { keyName } = key;
  let hmacKey: Promise<CryptoKey> | undefined;
  return {
    keyName,
    async sign({ clientId, capability, ttl, timestamp, nonce }) {
      hmacKey ??= importHmacKey(key);
      timestamp ??= Date.now();
      nonce ??= randomNonce();
      // RSA9g: every field newline-terminated, in this order; the SDK and
      // Ably's server both build the same text from the parsed fields.
      const text = keyName + "\n" + ttl + "\n" + capability + "\n" +
        clientId + "\n" + timestamp + "\n" + nonce + "\n";
      const mac = await crypto.subtle.sign(
        "HMAC",
        await hmacKey,
        encoder.encode(text),
      );
      return {
        keyName,
        clientId,
        capability,
        ttl,
        timestamp,
        nonce,
        mac: new Uint8Array(mac).toBase64(),
      };
    },
  };
}

/** An HMAC-SHA256 key over the UTF-8 bytes of the key secret, usable only to sign. */
export function importHmacKey(key: AblyKey): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(key.keySecret.reveal()),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

const NONCE_DIGITS = 16;
/** Random bytes are fetched in batches: one `getRandomValues` call per ~60 nonces. */
const pool = new Uint8Array(1024);
let poolOffset = pool.length;

/**
 * 16 uniformly random decimal digits (RSA9c asks for 16+ characters). Bytes
 * of 250 and above are skipped so that every digit is equally likely.
 */
export function randomNonce(): string {
  let nonce = "";
  while (nonce.length < NONCE_DIGITS) {
    if (poolOffset === pool.length) {
      crypto.getRandomValues(pool);
      poolOffset = 0;
    }
    const byte = pool[poolOffset++];
    if (byte < 250) nonce += byte % 10;
  }
  return nonce;
}
