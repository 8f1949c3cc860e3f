/**
 * Unguessable identifiers: tokens, dev keys, connection ids and keys, the
 * ids of REST publishes and presence syncs, the epoch of channel serials. They sit in the core, below the credentials (auth/) and both
 * faces, because a channel mints them as much as a token does.
 */

import { randomBytes } from "node:crypto";

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
