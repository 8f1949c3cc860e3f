/**
 * Why a sign-in failed, as a code the route turns into a status and a page.
 *
 * `lib/auth` never chooses an HTTP status for a failure: it throws an
 * `AuthError` whose `code` says what went wrong, and `routes/auth/callback.tsx`
 * maps codes to 400 (the browser brought something wrong or stale: start
 * again), 403 (an account this app cannot serve) or 502 (the provider
 * misbehaved). Messages are fixed strings: they
 * never carry a code, token or state from the request.
 */

/** Every way a sign-in can fail. */
export type AuthErrorCode =
  /** The callback carried no `state` (RFC 6749 §4.1.2). */
  | "missing_state"
  /** `state` unknown, expired or already used (RFC 6749 §10.12). */
  | "invalid_state"
  /** `state` not the one this browser was given at sign-in (RFC 6749 §10.12, login CSRF). */
  | "state_mismatch"
  /** `iss` missing or not the provider's issuer (RFC 9207 §2.4). */
  | "issuer_mismatch"
  /** The callback's parameters are malformed: no `code`, a parameter twice, an unsupported response mode (RFC 6749 §4.1.2). */
  | "invalid_response"
  /** The provider sent `error=` instead of a code (RFC 6749 §4.1.2.1). */
  | "provider_denied"
  /** The token endpoint refused the code (RFC 6749 §5.2), e.g. reused or expired. */
  | "token_rejected"
  /** The provider could not be reached, or answered with something unusable. */
  | "provider_unavailable"
  /** The provider's user record lacks a usable subject. */
  | "invalid_user"
  /**
   * The subject is well formed but cannot be part of a user id, Ably's
   * clientId (`subject.ts`: a `*` or `,`); signing in again cannot help.
   */
  | "unusable_subject";

/** A failed sign-in step; the route decides the status from `code`. */
export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: {
      /** The provider's `error` value (`access_denied`, …), already checked to be a plain token. */
      providerError?: string;
      /** Where the failed sign-in was to land, when it is known. */
      redirectTo?: string;
      /** `Set-Cookie` lines the failure's response must carry. */
      setCookie?: readonly string[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options?.cause });
    this.name = "AuthError";
    this.providerError = options?.providerError;
    this.redirectTo = options?.redirectTo;
    this.setCookie = options?.setCookie ?? [];
  }

  /** For `provider_denied` and `token_rejected`: the provider's `error` code. */
  readonly providerError: string | undefined;

  /**
   * The same-origin target the sign-in was started with, so that starting
   * again lands where the visitor meant to go. Known once the `["oauth",
   * state]` record was read (or at the start itself); `undefined` for a
   * callback whose state is missing or unknown.
   */
  readonly redirectTo: string | undefined;

  /**
   * `Set-Cookie` lines for the failure's response: a failed callback clears
   * the state cookie. Values only `lib/auth/cookies.ts` wrote, no secret.
   */
  readonly setCookie: readonly string[];
}
