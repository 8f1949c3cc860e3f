/**
 * The token service: what `GET /api/live` hands a signed-in browser, in one of
 * three modes (`config.ably.tokenMode`):
 *
 * - `request` (default): a TokenRequest signed here (`token_request.ts`); the
 *   browser's SDK exchanges it for a token at Ably or the emulator.
 * - `token`: TokenDetails the server obtains itself through the SDK's
 *   `auth.requestToken` (RSA8), one round trip to Ably or the emulator per call.
 * - `jwt`: an Ably JWT signed here (`jwt.ts`).
 *
 * The counterpart that verifies what is signed here is Ably, or locally
 * `lib/emulator/`. Whatever the mode, the clientId is the session user's id
 * and the capability is the one the caller passes — the policy's answer for
 * the page (`tokenCapability` in `lib/rooms/policy.ts`), never one the request
 * chose. The key secret stays in this process: nothing returned contains it.
 */
import { userChannel } from "../contract/mod.ts";
import * as Ably from "ably";
import {
  type AblyKey,
  DeadlineError,
  getLogger,
  type TokenMode,
  withDeadline,
} from "../platform/mod.ts";
import type { UserRef } from "../contract/mod.ts";
import { canonicalCapability, type Capability } from "./capability.ts";
import { createJwtSigner } from "./jwt.ts";
import { AblyUnavailableError } from "./errors.ts";
import { instrumentIssuer } from "./token_telemetry.ts";

export { AblyUnavailableError };
import {
  createTokenRequestSigner,
  type TokenRequest,
} from "./token_request.ts";

/** One mode's credential: TokenRequest (`request`), TokenDetails (`token`), JWT string (`jwt`). */
export type IssuedCredential = TokenRequest | Ably.TokenDetails | string;

export interface TokenServiceOptions {
  /** The app's key; its secret signs, and never leaves the server. */
  key: AblyKey;
  mode: TokenMode;
  /** Token lifetime in milliseconds (`config.ably.tokenTtlMs`). */
  ttlMs: number;
  /**
   * Where the server's REST client goes (`serverClientOptions`, or the
   * emulator's options); Ably's defaults when absent.
   */
  clientOptions?: Ably.ClientOptions;
  /** `token` mode: how long to wait for Ably. */
  timeoutMs?: number;
}

export interface TokenService {
  readonly mode: TokenMode;
  /**
   * The server's REST client, created once per service: `token` mode asks for
   * tokens with it, the publishers (`publish.ts`) publish with it.
   */
  readonly rest: Ably.Rest;
  /**
   * A credential for `user` carrying `capability`, to hand to that user's
   * browser as the result of its `authCallback`. Nothing is cached: each
   * call signs (or asks Ably) for exactly this user and capability. In `jwt`
   * mode `options.revocationKey` becomes the JWT's `x-ably-revocation-key`
   * claim; the other modes have no such claim (Ably matches revocation keys
   * on JWTs only) and ignore it.
   *
   * @throws {AblyUnavailableError} in `token` mode when Ably does not answer
   * in time or refuses.
   */
  issue(
    user: UserRef,
    capability: Capability,
    options?: IssueOptions,
  ): Promise<IssuedCredential>;
  /**
   * Ends the service: later `issue` calls reject. The SDK's REST client holds
   * no timers or sockets of its own between calls (its keep-alive agents are
   * shared per process), so there is nothing else to release.
   */
  close(): void;
}

/** What else a credential carries. */
export interface IssueOptions {
  /** `jwt` mode: the JWT's revocation key (`roomRevocationKey`, `revoke.ts`). */
  revocationKey?: string;
}

/** Ably's default HTTP timeout is 10 s; the route cannot hold a request that long. */
export const DEFAULT_TIMEOUT_MS = 5_000;

const logger = getLogger(["live", "ably"]);
const sdkLogger = getLogger(["live", "ably", "sdk"]);

/**
 * A token service for one key and mode.
 *
 * @example
 * ```ts
 * import type { AblyConfig } from "../platform/mod.ts";
 * import { serverClientOptions } from "./client_options.ts";
 * declare const config: AblyConfig;
 * const tokens = createTokenService({
 *   key: config.key!,
 *   mode: config.tokenMode,
 *   ttlMs: config.tokenTtlMs,
 *   clientOptions: serverClientOptions({ endpoint: config.endpoint }),
 * });
 * const user = { id: "github:42" };
 * await tokens.issue(user, { "user:github:42": ["subscribe"] });
 * ```
 */
export function createTokenService(
  { key, mode, ttlMs, clientOptions = {}, timeoutMs = DEFAULT_TIMEOUT_MS }:
    TokenServiceOptions,
): TokenService {
  const rest = new Ably.Rest({
    httpRequestTimeout: timeoutMs,
    // The SDK's own error lines go through the app's logging instead of
    // straight to the console; `issue` logs each failure once, as an error.
    logHandler: (message: string) => sdkLogger.debug("{message}", { message }),
    ...clientOptions,
    key: key.keyName + ":" + key.keySecret.reveal(),
  });
  const issue = instrumentIssuer(
    mode,
    issuerFor(mode, key, ttlMs, rest, timeoutMs),
  );
  let closed = false;
  const service = {
    mode,
    issue(user: UserRef, capability: Capability, options?: IssueOptions) {
      if (closed) return Promise.reject(new Error("token service closed"));
      // A clientId must name one user: `userChannel` refuses a wildcard.
      return settle(() => userChannel(user.id)).then(() =>
        issue(user, capability, options)
      );
    },
    close() {
      closed = true;
    },
  };
  // The REST client holds the whole key: kept out of JSON and inspection, so
  // logging the service by mistake prints no secret.
  return Object.defineProperty(service, "rest", {
    value: rest,
    enumerable: false,
  }) as TokenService;
}

function issuerFor(
  mode: TokenMode,
  key: AblyKey,
  ttlMs: number,
  rest: Ably.Rest,
  timeoutMs: number,
): (
  user: UserRef,
  capability: Capability,
  options?: IssueOptions,
) => Promise<IssuedCredential> {
  switch (mode) {
    case "request": {
      const signer = createTokenRequestSigner(key);
      return (user, capability) =>
        settle(() =>
          signer.sign({
            clientId: user.id,
            capability: canonicalCapability(capability),
            ttl: ttlMs,
          })
        );
    }
    case "jwt": {
      const signer = createJwtSigner(key);
      return (user, capability, options) =>
        settle(() =>
          signer.sign({
            clientId: user.id,
            capability: canonicalCapability(capability),
            ttlMs,
            revocationKey: options?.revocationKey,
          })
        );
    }
    case "token":
      return (user, capability) =>
        requestToken(rest, user, capability, ttlMs, timeoutMs);
  }
}

/** A synchronous result as a promise, a throw (e.g. a refused user id) as a rejection. */
function settle<T>(sign: () => T): Promise<T> {
  try {
    return Promise.resolve(sign());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** RSA8: the SDK signs a TokenRequest with the key and exchanges it itself. */
async function requestToken(
  rest: Ably.Rest,
  user: UserRef,
  granted: Capability,
  ttlMs: number,
  timeoutMs: number,
): Promise<Ably.TokenDetails> {
  const capability = canonicalCapability(granted);
  try {
    return await withDeadline(
      rest.auth.requestToken({ clientId: user.id, capability, ttl: ttlMs }),
      timeoutMs,
      "token from Ably",
    );
  } catch (error) {
    const unavailable = error instanceof DeadlineError
      ? new AblyUnavailableError(error.message, {})
      : new AblyUnavailableError("Ably refused or could not be reached", {
        code: (error as Ably.ErrorInfo)?.code,
        cause: error,
      });
    // The SDK's messages name the key by keyName only; the secret is never in them.
    // `ablyCode`, not `code`: a property named `code` is redacted (OAuth).
    logger.error("token request failed: {reason} (Ably code {ablyCode})", {
      reason: (error as Error)?.message ?? String(error),
      ablyCode: unavailable.code,
      userId: user.id,
    });
    throw unavailable;
  }
}
