/**
 * `jwt` token mode: an Ably JWT signed here with the key secret, no network
 * call.
 *
 * The browser's SDK hands the string to Ably, or to `lib/emulator/` locally,
 * as `access_token` on the WebSocket and as `Bearer base64(jwt)` on REST
 * (RSA3b); the server checks the HS256 signature with the same key secret,
 * `kid` naming the key. The other modes: `request` (`token_request.ts`) and
 * `token` (`tokens.ts`).
 */
import type { AblyKey } from "../platform/mod.ts";
import { createHmacSha256 } from "./hmac.ts";
import { signingSecret } from "./token_request.ts";

/** What a JWT grants. */
export interface JwtParams {
  clientId: string;
  /** Canonical capability JSON (see `canonicalCapability`). */
  capability: string;
  /** Lifetime in milliseconds; the token carries whole seconds. */
  ttlMs: number;
  /**
   * The `x-ably-revocation-key` claim: what a `revocationKey:` revocation
   * names (`roomRevocationKey`, `revoke.ts`); none when absent.
   */
  revocationKey?: string;
  /** Issue time in ms since the epoch; tests pin it, the route uses the clock. */
  now?: number;
}

/** Signs Ably JWTs with one key. */
export interface JwtSigner {
  readonly keyName: string;
  sign(params: JwtParams): string;
}

const encoder = new TextEncoder();
const BASE64URL = { alphabet: "base64url", omitPadding: true } as const;

function base64url(text: string): string {
  return encoder.encode(text).toBase64(BASE64URL);
}

/**
 * A signer for `key`. The header is fixed per key and encoded once.
 *
 * @example
 * ```ts
 * import type { AblyKey } from "../platform/mod.ts";
 * declare const key: AblyKey;
 * const signer = createJwtSigner(key);
 * const jwt = signer.sign({
 *   clientId: "github:42",
 *   capability: '{"user:github:42":["subscribe"]}',
 *   ttlMs: 3_600_000,
 * });
 * ```
 */
export function createJwtSigner(key: AblyKey): JwtSigner {
  const { keyName } = key;
  // Ably finds the key by `kid` (Ably JWT docs, "kid" header).
  const header = base64url(
    JSON.stringify({ typ: "JWT", alg: "HS256", kid: keyName }),
  );
  const hmac = createHmacSha256(signingSecret(key));
  return {
    keyName,
    sign({ clientId, capability, ttlMs, revocationKey, now }) {
      const iat = Math.floor((now ?? Date.now()) / 1000);
      // Claims in seconds (RFC 7519 §4.1.4, §4.1.6); the capability travels
      // as a JSON string, not an object, as Ably requires.
      const payload = base64url(JSON.stringify({
        iat,
        exp: iat + Math.floor(ttlMs / 1000),
        "x-ably-capability": capability,
        "x-ably-clientId": clientId,
        ...(revocationKey === undefined
          ? {}
          : { "x-ably-revocation-key": revocationKey }),
      }));
      const signingInput = header + "." + payload;
      // HS256 (RFC 7518 §3.2) over `header.payload`.
      return signingInput + "." +
        hmac(signingInput, "base64url");
    },
  };
}
