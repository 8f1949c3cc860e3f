/**
 * The end of a realtime connection's credential: one timer per connection
 * that fires when its token (opaque Ably token or JWT) expires. The caller
 * (connection.ts) then sends `DISCONNECTED` with 40142 / 401 and drops the
 * socket, as Ably does (RTN15h).
 *
 * There is deliberately no `AUTH` sent ahead of expiry. ably-js answers a
 * server `AUTH` (RTN22) with `auth.authorize()`, which first forgets its
 * current token and then, for a client built from a bare token string or
 * `tokenDetails` (no authCallback, authUrl or key), throws 40171 with status
 * 403, and a 403 from authorize fails the connection (RSA4d). The server
 * cannot tell such a client from one that can renew, so an early AUTH would
 * turn a perfectly valid token into a FAILED connection. At expiry instead:
 * a client that can renew re-authenticates and resumes with its channels
 * (RTN15h2); one that cannot goes to FAILED on its own (RTN15h1), exactly
 * as against Ably. The counterpart is ably-js ConnectionManager's handling of
 * a DISCONNECTED token error.
 */

import type { Grant } from "../tokens.ts";

/** setTimeout's largest delay; a later expiry is re-armed when reached. */
const MAX_TIMER_MS = 2_147_483_647;

/** Watches one credential's expiry. */
export class TokenLifetime {
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Calls `onExpired` once `grant.expires` has passed (never for key auth,
   * whose expiry is Infinity). Replaces any earlier watch.
   */
  watch(grant: Grant, now: () => number, onExpired: () => void): void {
    this.clear();
    if (!Number.isFinite(grant.expires)) return;
    const arm = () => {
      const remaining = grant.expires - now();
      // RSA4b / TK: a token is valid up to, not at, its expiry instant.
      if (remaining <= 0) {
        this.#timer = undefined;
        onExpired();
        return;
      }
      this.#timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
    };
    arm();
  }

  /** Stops watching (socket gone, connection closed, new token). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
