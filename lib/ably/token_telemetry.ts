/**
 * The token service's span and metric: every `issue` call is a
 * `live.token.issue` span (attributes `live.token.mode`, `live.outcome`)
 * and one count of `live.tokens.issued` by the same two. `tokens.ts` wraps
 * its issuer with `instrumentIssuer` once, when the service is made; with
 * telemetry off the issuer is returned as it is.
 *
 * Outcomes: `ok`; `unavailable` (Ably or the emulator gave no token, the
 * route's 503); `error` (anything else, e.g. a refused user id). Nothing
 * of the credential, the user or the key is recorded.
 */
import {
  instruments,
  markError,
  SPAN,
  telemetryEnabled,
  type TokenMode,
  withSpan,
} from "../platform/mod.ts";
import { AblyUnavailableError } from "./errors.ts";

/** `issue` instrumented for `mode`; the same function when telemetry is off. */
export function instrumentIssuer<A extends unknown[], T>(
  mode: TokenMode,
  issue: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  if (!telemetryEnabled) return issue;
  const ok = { "live.token.mode": mode, "live.outcome": "ok" };
  return (...args) =>
    withSpan(SPAN.tokenIssue, async (span) => {
      span?.setAttribute("live.token.mode", mode);
      try {
        const credential = await issue(...args);
        span?.setAttribute("live.outcome", "ok");
        instruments.tokensIssued.add(1, ok);
        return credential;
      } catch (error) {
        const outcome = error instanceof AblyUnavailableError
          ? "unavailable"
          : "error";
        span?.setAttribute("live.outcome", outcome);
        markError(span, error);
        instruments.tokensIssued.add(1, {
          "live.token.mode": mode,
          "live.outcome": outcome,
        });
        throw error;
      }
    });
}
