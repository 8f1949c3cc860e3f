/**
 * The end of a realtime connection's credential (opaque Ably token or JWT),
 * one timer per connection, driven by renewal.ts.
 *
 * As Ably does: `leadMs` (30 s) before the token expires the server asks
 * for a new one with `AUTH` (RTN22), but only if the token still has more
 * than that to live when the connection starts using it; a client that
 * answers carries on in place, with an UPDATE and no state change (RTN24,
 * RTC8a4). When the token expires the connection is sent `DISCONNECTED`
 * 40142 / 401 and its socket dropped (RSA4b1, RTN15h): ably-js then renews
 * and resumes (RTN15h2) or, without a way to renew, fails with 40171
 * (RTN15h1, RSA4a2). ably-js's own suite pins both against Ably
 * (`auth_token_string_expiry_with_token`: a 5 s token ends in DISCONNECTED
 * 40142 then FAILED 40171, so no AUTH came first; `auth_jwt_with_token_that_renews`:
 * a 35 s JWT gets an UPDATE before it expires).
 *
 * The cost, as on Ably: a client built from a bare token, `tokenDetails` or
 * JWT (no authCallback, authUrl or key) that is sent the early AUTH fails
 * at once with 40171 (ably-js's `authorize()` cannot renew and a 403 from it
 * is fatal, RSA4d) instead of at expiry. The counterpart is ably-js
 * ConnectionManager (`onAuthUpdated`, DISCONNECTED token-error handling).
 */

import type { Grant } from "../auth/mod.ts";

/** setTimeout's largest delay; a later instant is re-armed when reached. */
const MAX_TIMER_MS = 2_147_483_647;

/** What happens as a watched credential runs out. */
export interface LifetimeHooks {
  /** `leadMs` before expiry, for a token that lived longer: send AUTH. */
  renewDue(): void;
  /** The token expired unrenewed: disconnect with 40142. */
  expired(): void;
}

/** Watches one credential's expiry. */
export class TokenLifetime {
  readonly #leadMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `leadMs`: how long before expiry the renewal is asked for. */
  constructor(leadMs: number) {
    this.#leadMs = leadMs;
  }

  /**
   * Calls `hooks.renewDue` once `leadMs` before `grant.expires` (if that
   * instant is still ahead) and `hooks.expired` at expiry, unless `watch`
   * (a renewed token) or `clear` came first. Key auth (expiry Infinity) is
   * never watched.
   */
  watch(grant: Grant, now: () => number, hooks: LifetimeHooks): void {
    this.clear();
    if (!Number.isFinite(grant.expires)) return;
    const renewAt = grant.expires - this.#leadMs;
    // A token that lives less than the lead is never asked to renew early.
    let asked = now() >= renewAt;
    const arm = () => {
      const t = now();
      if (!asked && t >= renewAt) {
        asked = true;
        hooks.renewDue();
      }
      // A token is valid up to, not at, its expiry instant (TokenStore).
      if (t >= grant.expires) {
        this.#timer = undefined;
        hooks.expired();
        return;
      }
      const next = asked ? grant.expires : renewAt;
      this.#timer = setTimeout(arm, Math.min(next - t, MAX_TIMER_MS));
    };
    arm();
  }

  /** Stops watching (socket gone, connection closed, new token). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
