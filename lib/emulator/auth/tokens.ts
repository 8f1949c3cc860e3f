/**
 * Grants and the store of issued Ably tokens. A Grant is what any credential
 * (key, Ably token, Ably JWT) resolves to: a key name, a capability, a
 * clientId and an expiry. Issued tokens are opaque random strings (TD2) kept
 * in a bounded in-memory map; expired ones are purged. The counterpart is
 * ably-js's TokenDetails handling (TD1–TD7) and its use of `token` as
 * `access_token` / `Bearer` credential (RSA3).
 */

import { canonicalCapability, type Capability } from "./capability.ts";
import { Errors, randomId } from "../core/mod.ts";

/** What a credential allows; the same shape for keys, tokens and JWTs. */
export interface Grant {
  /** The key the credential derives from. */
  keyName: string;
  /** Canonical capability. */
  capability: Capability;
  /** Identity: a clientId, `*` (may act as anyone), or undefined (anonymous). */
  clientId?: string;
  /** Issue time, ms since epoch. */
  issued: number;
  /** Expiry, ms since epoch; Infinity for key auth. */
  expires: number;
  /** Which kind of credential produced the grant. */
  kind: "key" | "token" | "jwt";
  /** Issued by a key with revocable tokens enabled (RSA17). */
  revocable?: boolean;
  /** A JWT's `x-ably-revocation-key` claim, a revocation target. */
  revocationKey?: string;
  /** The token or JWT presented, for token credentials: the connections
   * one token holds are counted by it. */
  token?: string;
  /** When the signed TokenRequest behind the token was made, if earlier
   * than `issued`: revocation counts the token from then. */
  authorisedAt?: number;
}

/** TokenDetails as returned by requestToken (TD1–TD7). */
export interface TokenDetails {
  token: string;
  keyName: string;
  issued: number;
  expires: number;
  capability: string;
  clientId?: string;
}

/** Bounded map of issued Ably tokens. */
export class TokenStore {
  readonly #tokens = new Map<string, Grant>();
  readonly #max: number;
  #lastPurge = 0;

  constructor(maxTokens: number) {
    this.#max = maxTokens;
  }

  /** Number of tokens held (for tests of the bound). */
  get size(): number {
    return this.#tokens.size;
  }

  /** Issues a new opaque token for the grant. */
  issue(grant: Omit<Grant, "kind">): TokenDetails {
    const now = Date.now();
    // Expired tokens go at least once a minute, and whenever the store fills.
    if (this.#tokens.size >= this.#max || now - this.#lastPurge > 60_000) {
      this.purge(now);
    }
    // Still full of live tokens: forget the oldest; its holder gets 40143 and
    // renews through its auth callback, which keeps memory bounded.
    while (this.#tokens.size >= this.#max) {
      const oldest = this.#tokens.keys().next().value;
      if (oldest === undefined) break;
      this.#tokens.delete(oldest);
    }
    const token = randomId(32);
    this.#tokens.set(token, { ...grant, kind: "token" });
    const details: TokenDetails = {
      token,
      keyName: grant.keyName,
      issued: grant.issued,
      expires: grant.expires,
      capability: canonicalCapability(grant.capability),
    };
    if (grant.clientId !== undefined) details.clientId = grant.clientId;
    return details;
  }

  /**
   * The grant of an issued token: unknown → 40143, expired → 40142 (RSA4b:
   * both are token errors, so the client renews).
   */
  lookup(token: string, now: number): Grant {
    const grant = this.#tokens.get(token);
    if (!grant) throw Errors.tokenUnrecognised();
    if (grant.expires <= now) throw Errors.tokenExpired();
    return grant;
  }

  /** Drops every token expired at `now`. */
  purge(now: number): void {
    this.#lastPurge = now;
    for (const [token, grant] of this.#tokens) {
      if (grant.expires <= now) this.#tokens.delete(token);
    }
  }
}
