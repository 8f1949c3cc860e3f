/**
 * `checkAuthResponse`: each way an authorization response can be wrong, as
 * oauth4webapi reports it and as the `AuthError` code it becomes. The flow
 * itself is driven end to end in `auth_test.ts`.
 */
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";
import { AuthError, type AuthErrorCode } from "./errors.ts";
import { checkAuthResponse } from "./exchange.ts";

const ISSUER = "https://idp.example";
const as: oauth.AuthorizationServer = {
  issuer: ISSUER,
  authorization_response_iss_parameter_supported: true,
};
const client: oauth.Client = { client_id: "client" };

function refusal(query: string, server = as): AuthErrorCode | "ok" {
  try {
    checkAuthResponse(server, client, new URLSearchParams(query));
    return "ok";
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
}

Deno.test("oauth4webapi reports a wrong or missing iss as OAUTH_INVALID_RESPONSE", () => {
  // What `checkAuthResponse` decides `issuer_mismatch` on: should an upgrade
  // report it otherwise, this fails before the flow mislabels a refusal.
  for (const query of ["code=c&iss=https://evil.example", "code=c"]) {
    assert.throws(
      () =>
        oauth.validateAuthResponse(
          as,
          client,
          new URLSearchParams(query),
          oauth.skipStateCheck,
        ),
      (e) =>
        e instanceof oauth.OperationProcessingError &&
        e.code === oauth.INVALID_RESPONSE,
    );
  }
});

Deno.test("an authorization response becomes the user's code, or the reason it cannot", () => {
  const iss = `iss=${encodeURIComponent(ISSUER)}`;
  assert.equal(refusal(`code=c&state=s&${iss}`), "ok");
  assert.equal(refusal(`code=c&iss=https://evil.example`), "issuer_mismatch");
  assert.equal(refusal(`code=c`), "issuer_mismatch");
  // Not advertised: `iss` may be left out, but not be wrong.
  const quiet = { issuer: ISSUER };
  assert.equal(refusal(`code=c`, quiet), "ok");
  assert.equal(
    refusal(`code=c&iss=https://evil.example`, quiet),
    "issuer_mismatch",
  );
  assert.equal(refusal(`error=access_denied&${iss}`), "provider_denied");
  assert.equal(refusal(`code=c&code=d&${iss}`), "invalid_response");
  assert.equal(refusal(`${iss}`), "invalid_response");
  assert.equal(
    refusal(`code=c&response=jwt&iss=https://evil.example`),
    "invalid_response",
  );
  assert.equal(refusal(`code=c&id_token=t&${iss}`), "invalid_response");
});

Deno.test("the provider's error code is kept only when it is a plain token", () => {
  for (
    const [value, kept] of [
      ["access_denied", "access_denied"],
      ["<script>", undefined],
    ] as const
  ) {
    assert.throws(
      () =>
        checkAuthResponse(
          as,
          client,
          new URLSearchParams({ error: value, iss: ISSUER }),
        ),
      (e) =>
        e instanceof AuthError && e.code === "provider_denied" &&
        e.providerError === kept,
    );
  }
});
