/**
 * The end of a realtime connection's credential (opaque Ably token or JWT),
 * one timer per connection, driven by renewal.ts.
 *
 * When the token expires the server asks for a new one with `AUTH` (RTN22);
 * a client that answers within `graceMs` with a valid token carries on, on
 * the same connection with its channels, without a state change (RTN22,
 * RTC8a). One that does not is sent `DISCONNECTED` 40142 / 401 and its socket
 * dropped (RTN15h), so ably-js renews and resumes (RTN15h2) or, without a way
 * to renew, fails (RTN15h1).
 *
 * Why at expiry and not ahead of it: ably-js answers a server `AUTH` with
 * `auth.authorize()`, which first forgets its current token and then, for a
 * client built from a bare token string, `tokenDetails` or JWT (no
 * authCallback, authUrl or key), throws 40171 with status 403 — and a 403
 * from authorize fails the connection (RSA4d). The server cannot tell such a
 * client from one that can renew, so an `AUTH` sent while the token is still
 * valid would cut that client off early. Sent at expiry it only ends a
 * connection whose token has run out anyway, and a client that can renew
 * still renews in place. The grace is the one window where a connection runs
 * on an expired token; it is bounded and named. The counterpart is ably-js
 * ConnectionManager (`onAuthUpdated`, DISCONNECTED token-error handling).
 */

import type { Grant } from "../tokens.ts";

/** setTimeout's largest delay; a later expiry is re-armed when reached. */
const MAX_TIMER_MS = 2_147_483_647;

/** What happens when a watched credential runs out. */
export interface LifetimeHooks {
  /** The token expired: ask the client to renew (send AUTH). */
  expired(): void;
  /** Still not renewed `graceMs` later: disconnect with 40142. */
  graceOver(): void;
}

/** Watches one credential's expiry. */
export class TokenLifetime {
  readonly #graceMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `graceMs`: how long a client may take to answer AUTH at expiry. */
  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /**
   * Calls `hooks.expired` once `grant.expires` has passed, then
   * `hooks.graceOver` after the grace, unless `watch` (a renewed token) or
   * `clear` came first. Key auth (expiry Infinity) is never watched.
   */
  watch(grant: Grant, now: () => number, hooks: LifetimeHooks): void {
    this.clear();
    if (!Number.isFinite(grant.expires)) return;
    const arm = () => {
      const remaining = grant.expires - now();
      // A token is valid up to, not at, its expiry instant (TokenStore).
      if (remaining > 0) {
        this.#timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
        return;
      }
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        hooks.graceOver();
      }, this.#graceMs);
      hooks.expired();
    };
    arm();
  }

  /** Stops watching (socket gone, connection closed, new token). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
