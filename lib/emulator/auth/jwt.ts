/**
 * Verification of Ably JWTs (Ably docs "Ably JWT"; spec RSA3d/RSA8 accept a
 * JWT wherever a token string goes). Header `{"typ":"JWT","alg":"HS256",
 * "kid":<keyName>}`, claims `iat`/`exp` in seconds, `x-ably-capability` (JSON
 * string), optional `x-ably-clientId` (`*` allowed), optional embedded Ably
 * token `x-ably-token`; HS256 over `header.payload` with the key secret.
 * Malformed or badly signed → 40144, expired → 40142, a `kid` of an app
 * the emulator does not have → 40400. The counterpart is a
 * token service minting these (lib/ably `jwt` mode), or `jose`.
 */

import { intersectCapability, parseCapability } from "./capability.ts";
import { constantTimeEqual, hmacBase64Url } from "./crypto.ts";
import { AblyError, Errors } from "../core/mod.ts";
import type { KeyRing } from "./keys.ts";
import type { Grant, TokenStore } from "./tokens.ts";

/** Whether a token string has the shape of a JWS compact serialisation. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Verifies an Ably JWT and returns its grant. */
export function verifyAblyJwt(
  jwt: string,
  keys: KeyRing,
  tokens: TokenStore,
  now: number,
): Grant {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw Errors.invalidJwt("expected three parts");
  const header = decodePart(parts[0], "header");
  const claims = decodePart(parts[1], "payload");
  if (header.alg !== "HS256") throw Errors.invalidJwt("alg must be HS256");
  if (header.typ !== undefined && header.typ !== "JWT") {
    throw Errors.invalidJwt("typ must be JWT");
  }
  const kid = typeof header.kid === "string" ? header.kid : "";
  const key = keys.get(kid);
  if (!key) {
    // Ably looks the app up first: a JWT for an app it does not have is
    // 40400/404, not a token error, so a client does not renew in a loop
    // (ably-js rest/auth "JWT request with invalid key").
    const appId = kid.includes(".") ? kid.slice(0, kid.indexOf(".")) : "";
    if (!keys.hasApp(appId)) throw Errors.appNotFound();
    throw Errors.invalidJwt("kid names no known key");
  }
  const signature = hmacBase64Url(key.secret, `${parts[0]}.${parts[1]}`);
  if (!constantTimeEqual(parts[2], signature)) {
    throw Errors.invalidJwt("signature does not verify");
  }
  const { iat, exp } = claims;
  if (typeof iat !== "number" || typeof exp !== "number") {
    throw Errors.invalidJwt("iat and exp must be numbers of seconds");
  }
  if (exp * 1000 <= now) throw Errors.tokenExpired();
  // An embedded Ably token carries the capability and identity itself.
  const embedded = claims["x-ably-token"];
  if (embedded !== undefined) {
    if (typeof embedded !== "string") {
      throw Errors.invalidJwt("x-ably-token must be a string");
    }
    const inner = tokens.lookup(embedded, now);
    return {
      ...inner,
      expires: Math.min(inner.expires, exp * 1000),
      kind: "jwt",
    };
  }
  const capClaim = claims["x-ably-capability"];
  if (capClaim === undefined) {
    throw Errors.invalidJwt("x-ably-capability missing");
  }
  let capability;
  try {
    capability = parseCapability(capClaim);
  } catch (err) {
    throw err instanceof AblyError
      ? Errors.invalidJwt(err.message)
      : Errors.invalidJwt("bad capability");
  }
  // A JWT may not grant more than its key (RSA6: tokens are bounded by keys).
  const allowed = intersectCapability(key.capability, capability);
  const clientId = claims["x-ably-clientId"];
  if (clientId !== undefined && (typeof clientId !== "string" || !clientId)) {
    throw Errors.invalidJwt("x-ably-clientId must be a non-empty string");
  }
  // RSA17: a revocationKey target matches this claim.
  const revocationKey = claims["x-ably-revocation-key"];
  if (
    revocationKey !== undefined &&
    (typeof revocationKey !== "string" || !revocationKey)
  ) {
    throw Errors.invalidJwt("x-ably-revocation-key must be a non-empty string");
  }
  const grant: Grant = {
    keyName: key.keyName,
    capability: allowed,
    clientId: clientId as string | undefined,
    issued: iat * 1000,
    expires: exp * 1000,
    kind: "jwt",
    revocable: key.revocableTokens,
  };
  if (revocationKey !== undefined) grant.revocationKey = revocationKey;
  return grant;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    const bytes = Uint8Array.from(
      atob(part.replaceAll("-", "+").replaceAll("_", "/")),
      (c) => c.charCodeAt(0),
    );
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw Errors.invalidJwt(`${what} is not base64url JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw Errors.invalidJwt(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
