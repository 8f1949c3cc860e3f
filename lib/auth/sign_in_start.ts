/**
 * The start of a sign-in (`GET /auth/signin`): stores the pending sign-in
 * (`pending_sign_in.ts`), sets the state cookie, and sends the browser to
 * the provider with an authorization request (RFC 6749 §4.1.1) carrying
 * `state` and a PKCE S256 challenge (RFC 7636 §4.2–4.3). The browser comes
 * back at `CALLBACK_PATH`, to `callback.ts`.
 *
 * A provider whose configuration cannot be read fails the start as
 * `provider_unavailable`, before anything is stored, with the target the
 * visitor asked for so that trying again lands there.
 */
import * as oauth from "oauth4webapi";
import { getLogger } from "../platform/mod.ts";
import { requestOrigin } from "../http/mod.ts";
import { stateCookie } from "./cookies.ts";
import type { AuthDeps } from "./deps.ts";
import { AuthError } from "./errors.ts";
import { savePendingSignIn, SIGN_IN_TTL_MS } from "./pending_sign_in.ts";
import type { Provider } from "./providers.ts";
import { safeRedirectTarget } from "./redirect.ts";

/** The path the provider sends the browser back to. */
export const CALLBACK_PATH = "/auth/callback";

const log = getLogger(["live", "auth"]);

/**
 * Starts a sign-in: 302 to the provider. `options.redirect` (else
 * `?redirect=`) is where to land after, if it is a path on this site.
 *
 * @throws {AuthError} `provider_unavailable`, carrying the target.
 */
export async function startSignIn(
  deps: AuthDeps,
  request: Request,
  options: { redirect?: string } = {},
): Promise<Response> {
  const { provider } = deps;
  const redirectTo = safeRedirectTarget(
    options.redirect ?? new URL(request.url).searchParams.get("redirect"),
  );
  const endpoint = await authorizationEndpoint(provider, redirectTo);
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  // The origin the browser addressed (behind a trusted proxy: its https
  // origin), so the provider sends the browser back where it can go.
  const origin = requestOrigin(request, deps);
  const redirectUri = new URL(CALLBACK_PATH, origin.origin).href;
  await savePendingSignIn(deps.kv, state, {
    codeVerifier,
    redirectTo,
    redirectUri,
    expiresAt: deps.now() + SIGN_IN_TTL_MS,
  });

  const target = new URL(endpoint);
  target.searchParams.set("response_type", "code");
  target.searchParams.set("client_id", provider.client.client_id);
  target.searchParams.set("redirect_uri", redirectUri);
  target.searchParams.set("scope", provider.scope);
  target.searchParams.set("state", state);
  // RFC 7636 §4.2–4.3: only the S256 challenge leaves the server.
  target.searchParams.set(
    "code_challenge",
    await oauth.calculatePKCECodeChallenge(codeVerifier),
  );
  target.searchParams.set("code_challenge_method", "S256");

  const headers = new Headers({
    Location: target.href,
    "Cache-Control": "no-store",
  });
  headers.append(
    "Set-Cookie",
    stateCookie(origin.secure, state, SIGN_IN_TTL_MS / 1000),
  );
  return new Response(null, { status: 302, headers });
}

/**
 * The provider's authorization endpoint. Read before the pending sign-in is
 * written: a sign-in that cannot leave for the provider must not cost a KV
 * entry.
 */
async function authorizationEndpoint(
  provider: Provider,
  redirectTo: string,
): Promise<string> {
  let as: oauth.AuthorizationServer;
  try {
    as = await provider.authorizationServer();
  } catch (error) {
    throw cannotStart(
      provider,
      redirectTo,
      "the provider's configuration could not be read",
      error,
    );
  }
  if (!as.authorization_endpoint) {
    throw cannotStart(
      provider,
      redirectTo,
      "the provider has no authorization endpoint",
    );
  }
  return as.authorization_endpoint;
}

/** The start's one failure, logged as a warning. */
function cannotStart(
  provider: Provider,
  redirectTo: string,
  message: string,
  cause?: unknown,
): AuthError {
  log.warn("sign-in could not start: {reason}", {
    reason: "provider_unavailable",
    provider: provider.name,
  });
  return new AuthError("provider_unavailable", message, { redirectTo, cause });
}
