/**
 * The key resources of the REST side: `POST /keys/{keyName}/requestToken`
 * (spec RSA8 token issuing, the TokenRequest checks in auth/authority.ts) and
 * `POST /keys/{keyName}/revokeTokens` (RSA17 token revocation, the
 * revocation state in auth/revocations.ts). The counterpart is ably-js
 * `Auth.requestToken` and `Auth.revokeTokens`.
 */

import type { ApiKey } from "../auth/mod.ts";
import { Errors } from "../core/mod.ts";
import {
  apiVersion,
  BATCH_RESULT_VERSION,
  batchResult,
  decodeBasic,
  json,
  legacyBatchResponse,
  readJson,
} from "./http.ts";
import type { RestContext } from "./context.ts";

/** RSA8: a token for a TokenRequest, or for TokenParams under Basic auth. */
export async function requestToken(
  req: Request,
  ctx: RestContext,
  keyName: string,
  origin: string | null,
): Promise<Response> {
  const header = req.headers.get("authorization");
  const basicKey = header?.startsWith("Basic ")
    ? basicCaller(ctx, header)
    : undefined;
  const body = await readJson(req);
  return json(ctx.auth.requestToken(keyName, body, basicKey), 200, origin);
}

/**
 * RSA17: revokeTokens, by Basic auth with the issuing key only (RSA17d: a
 * token caller gets 40162). Each target succeeds (TRS2: `target`,
 * `issuedBefore`, `appliesAt`) or fails (TRF2: `target`, `error`) on its
 * own, and the answer depends on the API version the client sends, as for
 * batch publish (batch_publish.ts):
 *
 * - 2 and later (ably-js 2.x): `200` with a `BatchResult` (BAR2:
 *   `successCount`, `failureCount`, `results` in request order), whether
 *   all, some or none of the targets applied — ably-js passes it through
 *   and throws on any 4xx, so a bad target must not reject the call.
 * - before 2: `200` with the bare array of results, or, if any target
 *   failed, `400` 40020 with the array as `batchResponse`.
 *
 * A request that cannot be attempted at all (credentials, a malformed body
 * or option) is an error answer whatever the version.
 */
export async function revokeTokens(
  req: Request,
  ctx: RestContext,
  keyName: string,
  origin: string | null,
): Promise<Response> {
  const header = req.headers.get("authorization");
  if (header?.startsWith("Bearer ")) throw Errors.needsBasicAuth();
  if (!header?.startsWith("Basic ")) {
    throw Errors.unauthorized("Authentication required");
  }
  const key = basicCaller(ctx, header);
  const results = ctx.auth.revokeTokens(keyName, key, await readJson(req));
  if (apiVersion(req) >= BATCH_RESULT_VERSION) {
    return json(batchResult(results), 200, origin);
  }
  return legacyBatchResponse(results, 200, origin);
}

/** The key of a Basic `authorization` header (RSA11). */
function basicCaller(ctx: RestContext, header: string): ApiKey {
  return ctx.auth.keys.authenticate(decodeBasic(header));
}
