/**
 * The sign-in's spans (`auth.ts`, `callback.ts`): `live.signin.start` (the redirect to the
 * provider), `live.signin.callback` (the whole callback) and, inside it,
 * `live.signin.exchange` (code for tokens for the user, at the provider).
 * Each carries `live.auth.provider` and `live.outcome`: `ok`, or the
 * `AuthError` code (`invalid_state`, `token_rejected`, …), or the error's
 * name for anything else.
 *
 * Never recorded: the code, the state, the PKCE verifier, the provider's
 * tokens, the session id, the cookies; nor who signed in (the log line
 * "signed in {userId}" says that). The provider's own `fetch` calls appear
 * as Deno's automatic client spans beneath `live.signin.exchange`.
 */
import { errorType, SPAN, withSpan } from "../platform/mod.ts";

/** A step of the flow, as its span is named. */
export type SignInStep = "start" | "callback" | "exchange";

const NAMES: Record<SignInStep, string> = {
  start: SPAN.signInStart,
  callback: SPAN.signInCallback,
  exchange: SPAN.signInExchange,
};

/** Runs `step` of a sign-in with `provider` inside its span. */
export function traceSignInStep<T>(
  step: SignInStep,
  provider: string,
  run: () => Promise<T>,
): Promise<T> {
  return withSpan(NAMES[step], async (span) => {
    span?.setAttribute("live.auth.provider", provider);
    try {
      const result = await run();
      span?.setAttribute("live.outcome", "ok");
      return result;
    } catch (error) {
      span?.setAttribute("live.outcome", errorType(error));
      throw error;
    }
  });
}
