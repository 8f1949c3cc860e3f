/**
 * The provider's half of the callback, run by oauth4webapi: checks the
 * authorization response the browser brought, exchanges its code for tokens
 * (RFC 6749 §4.1.3, with the PKCE verifier, RFC 7636 §4.5) and learns the
 * user from the provider. `callback.ts` calls it once the pending sign-in is
 * taken.
 *
 * Every failure is an `AuthError`, decided from oauth4webapi's error types
 * and codes, never from their messages:
 *
 * | what went wrong                               | oauth4webapi says                                   | code                   |
 * | --------------------------------------------- | --------------------------------------------------- | ---------------------- |
 * | a parameter twice, a JARM `response`, no code | (checked here)                                      | `invalid_response`     |
 * | `iss` missing or another issuer (RFC 9207)    | `OperationProcessingError`, `OAUTH_INVALID_RESPONSE` | `issuer_mismatch`      |
 * | `error=` instead of a code (§4.1.2.1)         | `AuthorizationResponseError`                        | `provider_denied`      |
 * | any other malformed response                  | any other error of `validateAuthResponse`           | `invalid_response`     |
 * | the token endpoint's `error` (§5.2)           | `ResponseBodyError`                                 | `token_rejected`       |
 * | a profile without a usable subject            | (`user.ts`)                                         | `invalid_user`         |
 * | anything else: network, a malformed answer    | any other                                           | `provider_unavailable` |
 */
import * as oauth from "oauth4webapi";
import { AuthError } from "./errors.ts";
import type { SignInRecord } from "./pending_sign_in.ts";
import type { Provider } from "./providers.ts";
import { toUser, type User } from "./user.ts";

/**
 * The user `provider` vouches for, from the callback's `params` and the
 * pending sign-in's `record`.
 *
 * @throws {AuthError} with a code from the table above.
 */
export async function identify(
  provider: Provider,
  params: URLSearchParams,
  record: SignInRecord,
): Promise<User> {
  try {
    const as = await provider.authorizationServer();
    const response = checkAuthResponse(as, provider.client, params);
    const tokens = await exchangeCode(as, provider, response, record);
    return toUser(provider.name, await provider.fetchProfile(as, tokens));
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError(
      "provider_unavailable",
      "the provider could not complete the sign-in",
      { cause: error },
    );
  }
}

/**
 * The authorization response's parameters, checked, the code among them.
 * `state` is not checked again: the callback found the pending sign-in by
 * it and the browser's state cookie matched it (RFC 6749 §4.1.2, §10.12).
 *
 * @throws {AuthError} `invalid_response`, `issuer_mismatch`, `provider_denied`.
 */
export function checkAuthResponse(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  params: URLSearchParams,
): URLSearchParams {
  // RFC 6749 §3.1: a response parameter must not appear more than once;
  // which copy counts would depend on the parser.
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1) {
      throw new AuthError("invalid_response", "a parameter appears twice");
    }
  }
  // JARM is a response mode this client never asks for. Refused here, so
  // that what `validateAuthResponse` refuses as an invalid response is only
  // the issuer.
  if (params.get("response")) {
    throw new AuthError("invalid_response", "an unsupported response mode");
  }
  let checked: URLSearchParams;
  try {
    checked = oauth.validateAuthResponse(
      as,
      client,
      params,
      oauth.skipStateCheck,
    );
  } catch (error) {
    throw authResponseError(error);
  }
  // RFC 6749 §4.1.2: a successful response carries the code.
  if (!checked.get("code")) {
    throw new AuthError("invalid_response", "the callback carried no code");
  }
  return checked;
}

/** What a throw of `validateAuthResponse` (JARM refused, `state` skipped) means. */
function authResponseError(error: unknown): AuthError {
  // RFC 6749 §4.1.2.1: `error=` is a refusal, not a code.
  if (error instanceof oauth.AuthorizationResponseError) {
    return new AuthError(
      "provider_denied",
      "the provider refused the sign-in",
      {
        providerError: plainErrorCode(error.error),
      },
    );
  }
  // RFC 9207 §2.4: `iss`, when sent (required when the provider advertises
  // `authorization_response_iss_parameter_supported`), must be the
  // provider's issuer. With JARM refused and `state` skipped, it is the one
  // check `validateAuthResponse` fails with `OAUTH_INVALID_RESPONSE`.
  if (
    error instanceof oauth.OperationProcessingError &&
    error.code === oauth.INVALID_RESPONSE
  ) {
    return new AuthError(
      "issuer_mismatch",
      "the response names another issuer, or none",
    );
  }
  // What is malformed here is the callback URL the browser brought,
  // whoever wrote it (`id_token=`, say): a bad request, not an outage.
  return new AuthError(
    "invalid_response",
    "the authorization response is malformed",
    { cause: error },
  );
}

/** Trades the code for the provider's tokens, checked. */
async function exchangeCode(
  as: oauth.AuthorizationServer,
  provider: Provider,
  params: URLSearchParams,
  record: SignInRecord,
): Promise<oauth.TokenEndpointResponse> {
  try {
    // RFC 7636 §4.5: the verifier proves this server started the sign-in;
    // RFC 6749 §4.1.3: the same redirect_uri as in the request.
    let response = await oauth.authorizationCodeGrantRequest(
      as,
      provider.client,
      provider.clientAuth,
      params,
      record.redirectUri,
      record.codeVerifier,
      provider.requestOptions(),
    );
    if (provider.normalizeTokenResponse) {
      response = await provider.normalizeTokenResponse(response);
    }
    // RFC 6749 §5.1 (and OIDC Core §3.1.3.7 for the ID token): oauth4webapi
    // checks the response shape, token type, and the ID token's iss/aud/exp.
    return await oauth.processAuthorizationCodeResponse(
      as,
      provider.client,
      response,
      provider.openid ? { requireIdToken: true } : undefined,
    );
  } catch (error) {
    // RFC 6749 §5.2: the provider refused the code or the verifier.
    if (error instanceof oauth.ResponseBodyError) {
      throw new AuthError("token_rejected", "the provider refused the code", {
        providerError: plainErrorCode(error.error),
      });
    }
    throw error;
  }
}

/** The provider's `error` value if it is a plain token (RFC 6749 §4.1.2.1 allows only %x20-21 / %x23-5B / %x5D-7E); otherwise `undefined`. */
function plainErrorCode(value: unknown): string | undefined {
  return typeof value === "string" && /^[a-z_]{1,64}$/.test(value)
    ? value
    : undefined;
}
