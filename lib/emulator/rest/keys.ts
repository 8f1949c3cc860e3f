/**
 * The key resources of the REST side: `POST /keys/{keyName}/requestToken`
 * (spec RSA8 token issuing, the TokenRequest checks in auth/authority.ts) and
 * `POST /keys/{keyName}/revokeTokens` (RSA17 token revocation, the
 * revocation state in auth/revocations.ts). The counterpart is ably-js
 * `Auth.requestToken` and `Auth.revokeTokens`.
 */

import type { ApiKey } from "../auth/mod.ts";
import { Errors } from "../core/mod.ts";
import { decodeBasic, errorResponse, json, readJson } from "./http.ts";
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
 * token caller gets 40162). All targets applied → 200 and the array of
 * results; any target failed → 400 40020 with the array as
 * `batchResponse`, Ably's answer to a batch with errors.
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
  if (results.some((r) => "error" in r)) {
    return errorResponse(Errors.batchHasErrors(), origin, {
      batchResponse: results,
    });
  }
  return json(results, 200, origin);
}

/** The key of a Basic `authorization` header (RSA11). */
function basicCaller(ctx: RestContext, header: string): ApiKey {
  return ctx.auth.keys.authenticate(decodeBasic(header));
}
