/**
 * The emulator's authority: resolves every credential a client can present
 * to a Grant and issues tokens. Basic auth with a key (RSA11), Ably tokens
 * (RSA3, opaque, from TokenStore), Ably JWTs (jwt.ts), and requestToken for
 * a signed TokenRequest or key-authenticated TokenParams (RSA8). REST
 * (rest/) and the realtime upgrade (realtime/hub.ts) both go through here,
 * so a credential means the same on both.
 */

import { ALL_CAPABILITY } from "./capability.ts";
import { Errors } from "../core/mod.ts";
import { looksLikeJwt, verifyAblyJwt } from "./jwt.ts";
import type { ApiKey, KeyRing } from "./keys.ts";
import {
  checkTokenTerms,
  NonceCache,
  type TokenTerms,
  verifyTokenRequest,
} from "./token_request.ts";
import { Revocations } from "./revocations.ts";
import { type Grant, type TokenDetails, TokenStore } from "./tokens.ts";

/** Bounds of the authority's memory. */
export interface AuthLimits {
  /** Issued tokens kept at most. */
  maxTokens: number;
  /** TokenRequest nonces remembered at most. */
  maxNonces: number;
  /** Revocations kept per key before the oldest are folded (RSA17). */
  maxRevocationsPerKey: number;
  /** Enforcement delay of a revocation with allowReauthMargin, ms. */
  reauthMarginMs: number;
}

/** Credential checks and token issuing for one emulator. */
export class Authority {
  readonly keys: KeyRing;
  readonly tokens: TokenStore;
  readonly nonces: NonceCache;
  readonly revocations: Revocations;
  readonly #now: () => number;

  constructor(keys: KeyRing, limits: AuthLimits, now: () => number) {
    this.keys = keys;
    this.tokens = new TokenStore(limits.maxTokens);
    this.nonces = new NonceCache(limits.maxNonces);
    this.revocations = new Revocations({
      maxPerKey: limits.maxRevocationsPerKey,
      reauthMarginMs: limits.reauthMarginMs,
    });
    this.#now = now;
  }

  /** Key auth (RSA11): the key's full capability, may act as any clientId. */
  grantForKey(keyString: string): Grant {
    const key = this.keys.authenticate(keyString);
    return keyGrant(key, this.#now());
  }

  /** Token auth (RSA3): an opaque Ably token or an Ably JWT. */
  grantForToken(token: string): Grant {
    if (token.length === 0 || token.length > 16_384) {
      throw Errors.tokenUnrecognised();
    }
    const now = this.#now();
    const grant = looksLikeJwt(token)
      ? verifyAblyJwt(token, this.keys, this.tokens, now)
      : this.tokens.lookup(token, now);
    // RSA17: a revoked token is refused with 40141, on REST and realtime.
    this.revocations.check(grant, now);
    return { ...grant, token };
  }

  /**
   * `POST /keys/{keyName}/revokeTokens` (RSA17g) by `basicKey`: only the
   * issuing key itself (40133), and only if its tokens are revocable
   * (40164). Token-authenticated callers are refused before (rest/keys.ts).
   */
  revokeTokens(pathKeyName: string, basicKey: ApiKey, body: unknown) {
    if (basicKey.keyName !== pathKeyName) throw Errors.wrongKeyForRevocation();
    if (!basicKey.revocableTokens) throw Errors.revocationNotEnabled();
    return this.revocations.revoke(basicKey.keyName, body, this.#now());
  }

  /**
   * `POST /keys/{keyName}/requestToken` (RSA8): with basic auth the body is
   * TokenParams; without, it must be a signed TokenRequest.
   */
  requestToken(
    pathKeyName: string,
    body: unknown,
    basicKey: ApiKey | undefined,
  ): TokenDetails {
    const now = this.#now();
    let terms: TokenTerms;
    if (basicKey) {
      if (basicKey.keyName !== pathKeyName) {
        throw Errors.invalidCredentials("Key does not match the URL");
      }
      const params = typeof body === "object" && body !== null
        ? body as Record<string, unknown>
        : {};
      terms = checkTokenTerms(basicKey, params);
    } else {
      terms = verifyTokenRequest(
        body,
        pathKeyName,
        this.keys,
        this.nonces,
        now,
      );
    }
    const grant: Omit<Grant, "kind"> = {
      keyName: terms.key.keyName,
      capability: terms.capability,
      clientId: terms.clientId,
      issued: now,
      expires: now + terms.ttl,
      revocable: terms.key.revocableTokens,
    };
    if (terms.timestamp !== undefined && terms.timestamp < now) {
      grant.authorisedAt = terms.timestamp;
    }
    // RSA17: a TokenRequest signed before a revocation of its clientId is
    // refused rather than turned into a token that is refused at once.
    this.revocations.check({ ...grant, kind: "token" }, now);
    return this.tokens.issue(grant);
  }
}

function keyGrant(key: ApiKey, now: number): Grant {
  return {
    keyName: key.keyName,
    capability: key.capability ?? ALL_CAPABILITY,
    clientId: "*",
    issued: now,
    expires: Infinity,
    kind: "key",
  };
}
