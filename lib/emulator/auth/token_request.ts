/**
 * Verification of signed TokenRequests and of token parameters (spec TE1–TE6
 * for the fields, RSA9 for how a client signs them, RSA5/RSA6/RSA7 for ttl,
 * capability and clientId; TK1–TK2 for TokenParams). The counterpart is
 * ably-js `Auth.createTokenRequest`, whose output the SDK POSTs to
 * `/keys/{keyName}/requestToken` (RSA8).
 *
 * The MAC is base64(HMAC-SHA256(secret,
 * `keyName\nttl\ncapability\nclientId\ntimestamp\nnonce\n`)), absent fields
 * signed as empty strings, built from the parsed fields (RSA9g).
 */

import {
  type Capability,
  intersectCapability,
  parseCapability,
} from "./capability.ts";
import { constantTimeEqual, hmacBase64 } from "./crypto.ts";
import { Errors } from "../core/mod.ts";
import type { ApiKey, KeyRing } from "./keys.ts";

/** A TokenRequest may be at most this far from server time (RSA9d). */
export const TIMESTAMP_WINDOW_MS = 2 * 60 * 1000;
/** Default token lifetime: 60 minutes (RSA5, TK2a). */
export const DEFAULT_TTL_MS = 60 * 60 * 1000;
/** Longest token lifetime Ably grants: 24 hours. */
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;

/** The checked outcome of a TokenRequest or TokenParams. */
export interface TokenTerms {
  key: ApiKey;
  ttl: number;
  capability: Capability;
  clientId?: string;
  /** The signed request's timestamp, when the terms came from one. */
  timestamp?: number;
}

/**
 * Remembers nonces for as long as their TokenRequest could still be accepted,
 * so a nonce is single use (RSA9c, 40105) while memory stays bounded.
 */
export class NonceCache {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  #lastSweep = 0;

  constructor(maxNonces: number) {
    this.#max = maxNonces;
  }

  /** Number of nonces remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records `nonce` for `keyName`; throws 40105 if it was already used inside
   * the window, 42910 if the cache is full of live nonces.
   */
  use(keyName: string, nonce: string, timestamp: number, now: number): void {
    if (now - this.#lastSweep > 10_000 || this.#seen.size >= this.#max) {
      this.#sweep(now);
    }
    const id = `${keyName}\n${nonce}`;
    const until = this.#seen.get(id);
    // Inclusive like the timestamp check below (RSA9d): a request is still
    // acceptable at exactly timestamp + window, so its nonce is still held.
    if (until !== undefined && now <= until) throw Errors.nonceReplayed();
    if (this.#seen.size >= this.#max) {
      throw Errors.rateLimited("Too many token requests; retry shortly");
    }
    // A request stays acceptable until its timestamp leaves the window.
    this.#seen.set(id, timestamp + TIMESTAMP_WINDOW_MS);
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [id, until] of this.#seen) {
      if (until < now) this.#seen.delete(id);
    }
  }
}

/** The exact text a TokenRequest MAC covers (RSA9g). */
export function tokenRequestSigningText(req: {
  keyName: string;
  ttl?: unknown;
  capability?: unknown;
  clientId?: unknown;
  timestamp: unknown;
  nonce: string;
}): string {
  const field = (
    v: unknown,
  ) => (v === undefined || v === null ? "" : String(v));
  return `${req.keyName}\n${field(req.ttl)}\n${field(req.capability)}\n${
    field(req.clientId)
  }\n${field(req.timestamp)}\n${req.nonce}\n`;
}

/**
 * Verifies a signed TokenRequest (TE1–TE6) posted for `pathKeyName`: key and
 * MAC (40101), timestamp (40104), nonce (40105), then the token terms.
 */
export function verifyTokenRequest(
  body: unknown,
  pathKeyName: string,
  keys: KeyRing,
  nonces: NonceCache,
  now: number,
): TokenTerms {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw Errors.invalidBody("TokenRequest must be a JSON object");
  }
  const req = body as Record<string, unknown>;
  const { keyName, nonce, mac, timestamp } = req;
  // TE2: the request names the key it was signed with, and it must be the
  // key of the URL.
  if (typeof keyName !== "string" || keyName !== pathKeyName) {
    throw Errors.invalidCredentials("TokenRequest keyName does not match");
  }
  const key = keys.get(keyName);
  if (!key) throw Errors.invalidCredentials("Invalid key");
  // TE5: nonce of at least 16 characters; TE6 / RSA9g: the MAC.
  if (typeof nonce !== "string" || nonce.length < 16) {
    throw Errors.invalidBody("TokenRequest nonce must be 16+ characters");
  }
  if (typeof mac !== "string") {
    throw Errors.invalidCredentials("TokenRequest has no mac");
  }
  if (typeof timestamp !== "number" && typeof timestamp !== "string") {
    throw Errors.invalidBody("TokenRequest timestamp missing");
  }
  const expected = hmacBase64(
    key.secret,
    tokenRequestSigningText({ ...req, keyName, nonce, timestamp }),
  );
  if (!constantTimeEqual(mac, expected)) {
    throw Errors.invalidCredentials("TokenRequest MAC does not verify");
  }
  // RSA9d / TE4: the timestamp must be current (Ably allows ±2 minutes,
  // both ends included; NonceCache holds nonces over the same closed range).
  const ts = Number(timestamp);
  if (!Number.isFinite(ts) || Math.abs(now - ts) > TIMESTAMP_WINDOW_MS) {
    throw Errors.timestampNotCurrent();
  }
  // RSA9c: a nonce is accepted once.
  nonces.use(keyName, nonce, ts, now);
  return { ...checkTokenTerms(key, req), timestamp: ts };
}

/**
 * Checks ttl (RSA5, TK2a: default 1 h, at most 24 h, else 40003), capability
 * (RSA6, TK2b: intersected with the key's, empty → 40160) and clientId
 * (RSA7, TK2c: a non-empty string, `*` allowed, else 40012).
 */
export function checkTokenTerms(
  key: ApiKey,
  params: Record<string, unknown>,
): TokenTerms {
  let ttl = DEFAULT_TTL_MS;
  if (params.ttl !== undefined && params.ttl !== null && params.ttl !== "") {
    ttl = Number(params.ttl);
    if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_MS) {
      throw Errors.invalidParam(
        `Invalid ttl: must be 1 to ${MAX_TTL_MS} milliseconds`,
      );
    }
  }
  let requested: Capability | undefined;
  if (
    params.capability !== undefined && params.capability !== null &&
    params.capability !== ""
  ) {
    requested = parseCapability(params.capability);
  }
  const capability = intersectCapability(key.capability, requested);
  let clientId: string | undefined;
  if (params.clientId !== undefined && params.clientId !== null) {
    if (typeof params.clientId !== "string" || params.clientId === "") {
      throw Errors.invalidClientId("clientId must be a non-empty string");
    }
    clientId = params.clientId;
  }
  return { key, ttl, capability, clientId };
}
