/**
 * Token revocation (spec RSA17; Ably docs "Token revocation"): the state
 * behind `POST /keys/{keyName}/revokeTokens` (rest/keys.ts) and the check every
 * token and JWT passes through (authority.ts). The counterpart is ably-js
 * `Auth.revokeTokens`, which POSTs `{targets: ["type:value"], issuedBefore?,
 * allowReauthMargin?}` with Basic auth and hands back the response body
 * as is. `revoke` gives one result per target; rest/keys.ts answers them as
 * Ably does for the client's API version (a `BatchResult` from version 2
 * on, a bare array or a 400 before).
 *
 * A revocation names a target — `clientId:<id>` (the token's clientId),
 * `revocationKey:<k>` (a JWT's `x-ably-revocation-key` claim) or
 * `channel:<name>` (tokens whose capability reaches that channel) — and
 * refuses, from `appliesAt` on, every revocable token of the key issued
 * before `issuedBefore` with 40141. Tokens issued later are untouched, so a
 * client that renews carries on. With `allowReauthMargin` enforcement waits
 * `reauthMarginMs` (30 s on Ably) and live connections are first asked to
 * re-authenticate.
 *
 * Memory is bounded: a revocation is dropped once no token it could match
 * can still be valid (issuedBefore + the longest token life, 24 h), and each
 * key keeps at most `maxPerKey`. Past that cap the oldest revocation is
 * folded into a key-wide floor — every revocable token of the key issued
 * before it is refused — so eviction fails closed: it can over-revoke (those
 * clients renew and carry on), never let a revoked token back in.
 */

import { operationsFor } from "./capability.ts";
import { AblyError, Errors } from "../core/mod.ts";
import { MAX_TTL_MS } from "./token_request.ts";
import type { Grant } from "./tokens.ts";

/** Target types Ably accepts (RSA17b). */
const TARGET_TYPES = new Set(["clientId", "revocationKey", "channel"]);
/** Most targets in one request, as on Ably. */
export const MAX_TARGETS = 100;
/** Oldest `issuedBefore` Ably accepts: one hour back (RSA17e; ably-js
 * TokenRevocationOptions docs). */
export const MAX_ISSUED_BEFORE_AGE_MS = 60 * 60 * 1000;
/** Clock skew tolerated for an `issuedBefore` a little ahead of ours. */
const ISSUED_BEFORE_SKEW_MS = 2 * 60 * 1000;
/** How often expired revocations are swept at most. */
const SWEEP_INTERVAL_MS = 60 * 1000;

/** The result for one target (TRS2 success / TRF2 failure). */
export type RevocationResult =
  | { target: string; appliesAt: number; issuedBefore: number }
  | { target: string; error: ReturnType<AblyError["toWire"]> };

/** What a caller of `revoke` is told happened, for live connections. */
export interface RevocationEvent {
  keyName: string;
  /** true: connections matching should be sent AUTH (margin started). */
  reauth: boolean;
}

interface Revocation {
  target: string;
  issuedBefore: number;
  appliesAt: number;
}

interface KeyRevocations {
  /** Insertion order, oldest first: eviction and expiry walk it. */
  order: Revocation[];
  byTarget: Map<string, Revocation[]>;
  /** Folded evictions: every token issued before it is refused. */
  floor?: { issuedBefore: number; appliesAt: number };
}

/** Limits and timing of revocation. */
export interface RevocationOptions {
  /** Revocations kept per key before the oldest are folded: 10000. */
  maxPerKey: number;
  /** Delay of enforcement under allowReauthMargin, ms: 30000. */
  reauthMarginMs: number;
}

/** Every revocation of one emulator. */
export class Revocations {
  readonly #byKey = new Map<string, KeyRevocations>();
  readonly #options: RevocationOptions;
  readonly #listeners = new Set<(event: RevocationEvent) => void>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #lastSweep = 0;

  constructor(options: RevocationOptions) {
    this.#options = options;
  }

  /** Revocations held for `keyName` (for tests of the bound). */
  size(keyName: string): number {
    return this.#byKey.get(keyName)?.order.length ?? 0;
  }

  /** Called when a revocation starts its margin or takes effect. */
  subscribe(listener: (event: RevocationEvent) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * Applies a revokeTokens body for `keyName` (RSA17). A malformed body or
   * option is refused whole (40001 / 40003) and revokes nothing; a target of
   * an unknown type fails alone (TRF2, 40000) while the others apply, as on
   * Ably.
   */
  revoke(keyName: string, body: unknown, now: number): RevocationResult[] {
    const request = readRequest(body, now);
    const margin = request.allowReauthMargin ? this.#options.reauthMarginMs : 0;
    const appliesAt = now + margin;
    const results: RevocationResult[] = [];
    const valid = request.targets.filter((target) => {
      if (isValidTarget(target)) return true;
      results.push({
        target,
        error: Errors.badRequest(
          "Invalid target: expected clientId:<id>, revocationKey:<key> or channel:<name>",
        ).toWire(),
      });
      return false;
    });
    if (valid.length === 0) return results;
    const state = this.#stateFor(keyName);
    for (const target of valid) {
      const rec = { target, issuedBefore: request.issuedBefore, appliesAt };
      state.order.push(rec);
      const list = state.byTarget.get(target) ?? [];
      list.push(rec);
      state.byTarget.set(target, list);
      results.push({ ...rec });
    }
    this.#bound(state);
    this.#emit({ keyName, reauth: margin > 0 });
    if (margin > 0) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#emit({ keyName, reauth: false });
      }, margin);
      this.#timers.add(timer);
    }
    // Results in the order of the request's targets (TRS2 / TRF2).
    return request.targets.map((t) => results.find((r) => r.target === t)!);
  }

  /** Throws 40141 if `grant` is revoked at `now` (RSA17). */
  check(grant: Grant, now: number): void {
    if (this.isRevoked(grant, now)) throw Errors.tokenRevoked();
  }

  /** Whether `grant` is refused at `now`. */
  isRevoked(grant: Grant, now: number): boolean {
    return this.#matches(grant, (r) => now >= r.appliesAt, now);
  }

  /** Whether a revocation still in its margin will refuse `grant`. */
  isPending(grant: Grant, now: number): boolean {
    return this.#matches(grant, (r) => now < r.appliesAt, now);
  }

  /** Clears the margin timers (the emulator is closing). */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#listeners.clear();
  }

  #matches(
    grant: Grant,
    when: (r: { appliesAt: number }) => boolean,
    now: number,
  ): boolean {
    // Keys are not tokens; only tokens issued while the key had revocable
    // tokens enabled can be revoked.
    if (grant.kind === "key" || !grant.revocable) return false;
    const state = this.#byKey.get(grant.keyName);
    if (!state) return false;
    this.#sweep(now);
    // A token is as old as the earliest moment it was authorised (a
    // TokenRequest signed before a revocation is refused after it).
    const issued = Math.min(grant.issued, grant.authorisedAt ?? grant.issued);
    const hit = (r: Revocation | KeyRevocations["floor"]) =>
      r !== undefined && issued < r.issuedBefore && when(r);
    if (hit(state.floor)) return true;
    const named: string[] = [];
    if (grant.clientId !== undefined && grant.clientId !== "*") {
      named.push(`clientId:${grant.clientId}`);
    }
    if (grant.revocationKey !== undefined) {
      named.push(`revocationKey:${grant.revocationKey}`);
    }
    for (const target of named) {
      if (state.byTarget.get(target)?.some(hit)) return true;
    }
    for (const [target, list] of state.byTarget) {
      if (!target.startsWith("channel:")) continue;
      const channel = target.slice("channel:".length);
      if (
        operationsFor(grant.capability, channel).size > 0 && list.some(hit)
      ) return true;
    }
    return false;
  }

  #stateFor(keyName: string): KeyRevocations {
    let state = this.#byKey.get(keyName);
    if (!state) {
      state = { order: [], byTarget: new Map() };
      this.#byKey.set(keyName, state);
    }
    return state;
  }

  /** Folds the oldest revocations into the floor while over the cap. */
  #bound(state: KeyRevocations): void {
    while (state.order.length > this.#options.maxPerKey) {
      const oldest = state.order.shift()!;
      this.#unindex(state, oldest);
      state.floor = {
        issuedBefore: Math.max(
          state.floor?.issuedBefore ?? 0,
          oldest.issuedBefore,
        ),
        appliesAt: Math.max(state.floor?.appliesAt ?? 0, oldest.appliesAt),
      };
    }
  }

  /** Drops revocations no still-valid token can match (24 h, MAX_TTL_MS). */
  #sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    const stale = (r: { issuedBefore: number }) =>
      r.issuedBefore + MAX_TTL_MS <= now;
    for (const [keyName, state] of this.#byKey) {
      const kept = state.order.filter((r) => !stale(r));
      for (const r of state.order) if (stale(r)) this.#unindex(state, r);
      state.order = kept;
      if (state.floor && stale(state.floor)) state.floor = undefined;
      if (state.order.length === 0 && !state.floor) this.#byKey.delete(keyName);
    }
  }

  #unindex(state: KeyRevocations, rec: Revocation): void {
    const list = state.byTarget.get(rec.target);
    if (!list) return;
    const rest = list.filter((r) => r !== rec);
    if (rest.length > 0) state.byTarget.set(rec.target, rest);
    else state.byTarget.delete(rec.target);
  }

  #emit(event: RevocationEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** RSA17b: a target is `type:value`, type one Ably knows, value not empty. */
function isValidTarget(target: string): boolean {
  const colon = target.indexOf(":");
  return colon > 0 && colon < target.length - 1 &&
    TARGET_TYPES.has(target.slice(0, colon));
}

/** Parses and checks a revokeTokens body (RSA17b–RSA17e). */
function readRequest(body: unknown, now: number): {
  targets: string[];
  issuedBefore: number;
  allowReauthMargin: boolean;
} {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw Errors.invalidBody("revokeTokens body must be a JSON object");
  }
  const b = body as Record<string, unknown>;
  const targets = b.targets;
  if (
    !Array.isArray(targets) || targets.length === 0 ||
    targets.length > MAX_TARGETS
  ) {
    throw Errors.invalidParam(
      `targets must be an array of 1 to ${MAX_TARGETS} target strings`,
    );
  }
  if (targets.some((t) => typeof t !== "string")) {
    throw Errors.invalidParam("targets must be strings of type:value");
  }
  // RSA17e: issuedBefore defaults to now; not in the future, not more
  // than an hour back.
  let issuedBefore = now;
  if (b.issuedBefore !== undefined) {
    const v = b.issuedBefore;
    if (typeof v !== "number" || !Number.isSafeInteger(v)) {
      throw Errors.invalidParam("issuedBefore must be a ms timestamp");
    }
    if (v > now + ISSUED_BEFORE_SKEW_MS) {
      throw Errors.invalidParam("issuedBefore is in the future");
    }
    if (v < now - MAX_ISSUED_BEFORE_AGE_MS) {
      throw Errors.invalidParam("issuedBefore is more than an hour ago");
    }
    // A little ahead of our clock counts as now: a token issued after the
    // revocation must not be caught by the caller's skew.
    issuedBefore = Math.min(v, now);
  }
  // RSA17f: allowReauthMargin is a boolean.
  const margin = b.allowReauthMargin;
  if (margin !== undefined && typeof margin !== "boolean") {
    throw Errors.invalidParam("allowReauthMargin must be a boolean");
  }
  return {
    targets: targets as string[],
    issuedBefore,
    allowReauthMargin: margin === true,
  };
}
