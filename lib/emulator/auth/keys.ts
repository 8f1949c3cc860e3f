/**
 * API keys known to the emulator: `appId.keyId:secret`, each with an optional
 * capability (spec RSA11: the key name `appId.keyId` is public, the secret
 * never leaves the server). The counterpart is the `key` option of ably-js
 * and the `--key` flag of cli.ts.
 */

import {
  ALL_CAPABILITY,
  type Capability,
  parseCapability,
} from "./capability.ts";
import { Errors, randomAlnum, randomId } from "../core/mod.ts";
import { constantTimeEqual } from "./crypto.ts";

/** One API key as the emulator holds it. */
export interface ApiKey {
  /** Public part, `appId.keyId`. */
  keyName: string;
  /** Secret part; only ever compared in constant time, never logged. */
  secret: string;
  /** What the key may do; `{"*":["*"]}` when none was given. */
  capability: Capability;
  /** Tokens it issues can be revoked (RSA17; off by default, as on Ably). */
  revocableTokens: boolean;
}

/** A key as passed to startEmulator: `appId.keyId:secret` or an object. */
export type KeyInput =
  | string
  | {
    key: string;
    capability?: Capability | string;
    revocableTokens?: boolean;
  };

/**
 * Parses `appId.keyId:secret`, optionally followed by `=` and a capability
 * JSON (`app.k:s={"room":["subscribe"]}`, the CLI syntax).
 */
export function parseKey(input: KeyInput): ApiKey {
  let text = typeof input === "string" ? input : input.key;
  let capability: Capability = ALL_CAPABILITY;
  const capAt = text.indexOf("={");
  if (capAt > 0) {
    capability = parseCapability(text.slice(capAt + 1));
    text = text.slice(0, capAt);
  }
  if (typeof input !== "string" && input.capability !== undefined) {
    capability = parseCapability(input.capability);
  }
  const colon = text.indexOf(":");
  const keyName = colon > 0 ? text.slice(0, colon) : "";
  const secret = colon > 0 ? text.slice(colon + 1) : "";
  if (!/^[^.:\s]+\.[^.:\s]+$/.test(keyName) || secret.length === 0) {
    throw new TypeError(
      "An API key must look like appId.keyId:secret (optionally ={capability json})",
    );
  }
  const revocableTokens = typeof input !== "string" &&
    input.revocableTokens === true;
  return { keyName, secret, capability, revocableTokens };
}

/** A fresh random key `dev<id>.<id>:<secret>` for local development. */
export function generateDevKey(): string {
  return `dev${randomAlnum(6)}.${randomAlnum(6)}:${randomId(24)}`;
}

/** The keys of one emulator, looked up by key name. */
export class KeyRing {
  readonly #keys = new Map<string, ApiKey>();

  constructor(keys: ApiKey[]) {
    for (const key of keys) this.#keys.set(key.keyName, key);
  }

  /** The key with this name, or undefined. */
  get(keyName: string): ApiKey | undefined {
    return this.#keys.get(keyName);
  }

  /** Whether any key belongs to the app `appId` (the part before `.`). */
  hasApp(appId: string): boolean {
    for (const name of this.#keys.keys()) {
      if (name.slice(0, name.indexOf(".")) === appId) return true;
    }
    return false;
  }

  /** Every key, for the CLI banner and the `keys` of startEmulator. */
  all(): ApiKey[] {
    return [...this.#keys.values()];
  }

  /**
   * Basic (key) auth, `keyName:secret` (RSA11): the secret is compared in
   * constant time; an unknown key name and a wrong secret answer alike.
   */
  authenticate(keyString: string): ApiKey {
    const colon = keyString.indexOf(":");
    const key = colon > 0 ? this.get(keyString.slice(0, colon)) : undefined;
    const secret = colon > 0 ? keyString.slice(colon + 1) : "";
    if (!key || !constantTimeEqual(secret, key.secret)) {
      throw Errors.invalidCredentials("Invalid key or secret");
    }
    return key;
  }
}
