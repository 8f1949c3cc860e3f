/**
 * The pending sign-in: `["oauth", state]` in KV, written when a sign-in
 * starts (`sign_in_start.ts`) and spent once by its callback
 * (`callback.ts`). It holds what the callback needs and only the server may
 * know: the PKCE verifier, the `redirect_uri` sent, the target to land on.
 * It lives `SIGN_IN_TTL_MS`; its own `expiresAt` is checked too, since KV
 * expiry is lazy.
 */
import { AuthError } from "./errors.ts";

/** How long a started sign-in may take before its state is refused. */
export const SIGN_IN_TTL_MS = 10 * 60 * 1000;

/** What `["oauth", state]` holds between the start and the callback. */
export interface SignInRecord {
  codeVerifier: string;
  /** Same-origin path to land on afterwards. */
  redirectTo: string;
  /** The `redirect_uri` sent, which the token request must repeat (RFC 6749 §4.1.3). */
  redirectUri: string;
  expiresAt: number;
}

/** A pending sign-in as read, versionstamp included: what `takePendingSignIn` spends. */
export type PendingSignIn = Deno.KvEntry<SignInRecord>;

/** A state no sign-in could have: refused unread. */
const MAX_STATE_LENGTH = 512;

/** Stores the pending sign-in of `state` for `SIGN_IN_TTL_MS`. */
export async function savePendingSignIn(
  kv: Deno.Kv,
  state: string,
  record: SignInRecord,
): Promise<void> {
  await kv.set(["oauth", state], record, { expireIn: SIGN_IN_TTL_MS });
}

/** The pending sign-in of `state`, read only; `null` when unknown, expired (at `now`) or absurd. */
export async function findPendingSignIn(
  kv: Deno.Kv,
  state: string,
  now: number,
): Promise<PendingSignIn | null> {
  if (state.length > MAX_STATE_LENGTH) return null;
  const entry = await kv.get<SignInRecord>(["oauth", state]);
  return entry.value !== null && entry.value.expiresAt > now
    ? entry as PendingSignIn
    : null;
}

/**
 * Deletes `pending` unless it changed or went since it was read: of two
 * callbacks racing with the same state, the versionstamp check lets one
 * through (RFC 6749 §10.5: a code, and so its state, is single use).
 *
 * @throws {AuthError} `invalid_state` for the one that lost.
 */
export async function takePendingSignIn(
  kv: Deno.Kv,
  pending: PendingSignIn,
): Promise<void> {
  const { ok } = await kv.atomic().check(pending).delete(pending.key).commit();
  if (!ok) {
    throw new AuthError("invalid_state", "this sign-in was already used");
  }
}
