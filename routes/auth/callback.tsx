/**
 * `GET /auth/callback`: where the provider sends the browser back. Success is
 * `handleCallback`'s redirect with the session cookie; a failure renders the
 * page below with a status from the failure's code: 400 when the browser
 * brought something stale or refused (start again), 403 for an account
 * whose subject cannot be a user id (`unusable_subject`), 502 when the
 * provider misbehaved. Never a 500: `lib/auth` turns every provider failure into an
 * `AuthError`.
 *
 * The page is also `signin.ts`'s, for a provider that cannot be reached
 * (502) and for too many sign-ins started from one address (429 with
 * `Retry-After`). Its "Try again" link starts a sign-in towards the target
 * the failed one had, when that is known (`signInPath`).
 */
import type { FreshContext, Handlers, PageProps } from "$fresh/server.ts";
import {
  AuthError,
  type AuthErrorCode,
  signInPath,
} from "../../lib/auth/mod.ts";
import type { State } from "../../lib/app/mod.ts";

/** Why the page is shown: a failed sign-in step, or a refused start. */
export type SignInFailureCode = AuthErrorCode | "rate_limited";

/** What the failure page shows. */
export interface SignInFailure {
  code: SignInFailureCode;
  /** The provider's own error code (`access_denied`, …), when it sent one. */
  providerError?: string;
  /** For `rate_limited`: whole seconds until a new start is accepted. */
  retryAfterSeconds?: number;
  /** Where "Try again" goes: `/auth/signin`, with the failed sign-in's target when known. */
  retryPath: string;
}

const STATUS: Record<SignInFailureCode, 400 | 403 | 429 | 502> = {
  missing_state: 400,
  invalid_state: 400,
  state_mismatch: 400,
  issuer_mismatch: 400,
  invalid_response: 400,
  provider_denied: 400,
  token_rejected: 400,
  provider_unavailable: 502,
  invalid_user: 502,
  unusable_subject: 403,
  rate_limited: 429,
};

const MESSAGE: Record<SignInFailureCode, string> = {
  missing_state:
    "This page only works as the end of a sign-in, and the sign-in details are missing.",
  invalid_state:
    "This sign-in has expired or was already completed. Sign-ins must finish within 10 minutes.",
  state_mismatch:
    "This sign-in was started in another browser or tab that no longer matches.",
  issuer_mismatch: "The sign-in response came from an unexpected provider.",
  invalid_response: "The sign-in response was incomplete or malformed.",
  provider_denied: "The sign-in was cancelled or refused at the provider.",
  token_rejected: "The provider did not accept this sign-in.",
  provider_unavailable:
    "The sign-in provider could not be reached or answered unexpectedly.",
  invalid_user: "The sign-in provider sent an account we cannot use.",
  unusable_subject:
    "Your account's identifier at the sign-in provider contains a character this app cannot use in a user id (* or ,). Signing in again will not change that: use another account, or ask whoever runs this app.",
  rate_limited: "Too many sign-ins were started from your address.",
};

/** The part of the route context the page is rendered with. */
type RenderContext = Pick<FreshContext<unknown, SignInFailure>, "render">;

/** Renders a failed sign-in with its status. */
export function renderFailure(
  error: AuthError,
  ctx: RenderContext,
): Response | Promise<Response> {
  return ctx.render(
    {
      code: error.code,
      providerError: error.providerError,
      retryPath: signInPath(error.redirectTo),
    },
    {
      status: STATUS[error.code],
      // A failed callback clears the state cookie (`lib/auth/callback.ts`).
      headers: error.setCookie.map((line): [string, string] => [
        "set-cookie",
        line,
      ]),
    },
  );
}

/**
 * Renders a refused sign-in start: 429 with `Retry-After` (RFC 6585 §4),
 * never stored, since the answer changes within the minute.
 */
export function renderRateLimited(
  retryAfterSeconds: number,
  redirectTo: string | null,
  ctx: RenderContext,
): Response | Promise<Response> {
  return ctx.render(
    {
      code: "rate_limited",
      retryAfterSeconds,
      retryPath: signInPath(redirectTo),
    },
    {
      status: STATUS.rate_limited,
      headers: {
        "retry-after": String(retryAfterSeconds),
        "cache-control": "no-store",
      },
    },
  );
}

export const handler: Handlers<SignInFailure, Pick<State, "auth">> = {
  async GET(req, ctx) {
    try {
      return (await ctx.state.auth.handleCallback(req)).response;
    } catch (error) {
      if (error instanceof AuthError) return renderFailure(error, ctx);
      throw error;
    }
  },
};

export default function SignInFailed({ data }: PageProps<SignInFailure>) {
  return (
    <main>
      <h1>Sign-in failed</h1>
      <p>{MESSAGE[data.code]}</p>
      {data.providerError && (
        <p>
          The provider said: <code>{data.providerError}</code>
        </p>
      )}
      {data.retryAfterSeconds !== undefined && (
        <p>
          Please wait {data.retryAfterSeconds}{" "}
          {data.retryAfterSeconds === 1 ? "second" : "seconds"}{" "}
          before trying again.
        </p>
      )}
      <p>
        <a href={data.retryPath}>Try again</a> · <a href="/">Home</a>
      </p>
    </main>
  );
}
