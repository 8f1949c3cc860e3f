/**
 * Cutting a user off Ably at once: revokes the tokens issued before now to
 * one target (Ably token revocation, spec RSA17), so a signed-out or removed
 * user's open connections are disconnected with 40141 and their tokens
 * refused; the token route then declines to issue new ones. Needs the API key
 * itself (Basic auth) with "Revocable tokens" enabled; Ably, or the local
 * emulator (`lib/emulator/auth/revocations.ts`), does the revoking.
 *
 * Two targets (RSA17b):
 * - `clientId:<userId>` (`userTarget`): every token of the user, whatever the
 *   mode and the room. Sign-out uses it, and removal in `request` and
 *   `token` mode, which have nothing narrower.
 * - `revocationKey:room:<roomId>:<userId>` (`roomTarget`): the JWTs issued
 *   for one user's page of one room, which carry that key as their
 *   `x-ably-revocation-key` claim (`jwt.ts`, `roomRevocationKey`). Ably
 *   matches revocation keys on JWTs only, so only `jwt` mode can revoke this
 *   narrowly: the user's other rooms keep their connections.
 *
 * The outcome is classified for the caller, never thrown:
 * - `ok`: Ably accepted the revocation (`issuedBefore`, `appliesAt`);
 * - `retryable`: Ably was unreachable, answered 5xx or rate-limited: try
 *   again later (from the outbox);
 * - `not-revocable`: the key does not have revocable tokens, a setting to
 *   change in the Ably dashboard; retrying will not help;
 * - `other`: anything else (wrong credentials, token auth, bad request).
 * Error messages name codes and the remedy, never the key.
 */
import type * as Ably from "ably";

/** Why a revocation did not happen. */
export type RevocationFailure = "retryable" | "not-revocable" | "other";

/** A failed revocation; `kind` says what the caller can do about it. */
export class RevocationError extends Error {
  /** What to do: retry later, fix the key's settings, or investigate. */
  readonly kind: RevocationFailure;
  /** Ably's error code when it answered, e.g. 40164. */
  readonly code: number | undefined;
  /** HTTP status paired with the code. */
  readonly statusCode: number | undefined;

  constructor(
    kind: RevocationFailure,
    message: string,
    details: { code?: number; statusCode?: number } = {},
  ) {
    super(message);
    this.name = "RevocationError";
    this.kind = kind;
    this.code = details.code;
    this.statusCode = details.statusCode;
  }
}

/** The classified outcome of `revokeUserTokens`. */
export type RevokeOutcome =
  | { kind: "ok"; issuedBefore: number; appliesAt: number }
  | { kind: RevocationFailure; error: RevocationError };

/** Options of `revokeUserTokens`. */
export interface RevokeOptions {
  /** Tokens issued before this are revoked (ms); default: now. */
  issuedBefore?: number;
  /** Delay enforcement ~30 s and ask connections to renew first. */
  allowReauthMargin?: boolean;
}

/** What a revocation names: `clientId:<id>` or `revocationKey:<key>`. */
export type RevocationTarget = `clientId:${string}` | `revocationKey:${string}`;

/**
 * The revocation key of `userId`'s JWTs for room `roomId`. Readable, not
 * hashed: only a holder of the API key can revoke, and such a caller can
 * revoke the whole clientId anyway, so hiding the key protects nothing; the
 * JWT's holder already reads both ids in its capability. A room id holds no
 * `:` (`isRoomId`), so the key names one pair.
 *
 * @example
 * ```ts
 * roomRevocationKey("lobby", "github:42"); // "room:lobby:github:42"
 * ```
 */
export function roomRevocationKey(roomId: string, userId: string): string {
  return `room:${roomId}:${userId}`;
}

/** Every token of `userId`. */
export function userTarget(userId: string): RevocationTarget {
  return `clientId:${userId}`;
}

/** `userId`'s JWTs for room `roomId` (see `roomRevocationKey`). */
export function roomTarget(roomId: string, userId: string): RevocationTarget {
  return `revocationKey:${roomRevocationKey(roomId, userId)}`;
}

/** Ably's codes for "this key or app has no token revocation". */
const NOT_REVOCABLE_CODES = new Set([40121, 40164]);
/** Ably rate limits: the request may succeed later. */
const RATE_LIMITED_STATUS = 429;
/** HTTP 5xx: Ably (or the path to it) failed; the request may succeed later. */
const SERVER_ERROR_STATUS = 500;

/**
 * Revokes the tokens of `userId` (the clientId the token route issues) with
 * `rest`, which must be authenticated with the API key.
 *
 * @example
 * ```ts
 * import type * as Ably from "ably";
 * declare const rest: Ably.Rest; // authenticated with the API key
 * const outcome = await revokeUserTokens(rest, "github:42");
 * if (outcome.kind === "retryable") console.warn("try again later");
 * ```
 */
export function revokeUserTokens(
  rest: Ably.Rest,
  userId: string,
  options: RevokeOptions = {},
): Promise<RevokeOutcome> {
  return revokeTarget(rest, userTarget(userId), options);
}

/**
 * Revokes the tokens `target` names with `rest`, which must be
 * authenticated with the API key.
 *
 * @example
 * ```ts
 * import type * as Ably from "ably";
 * declare const rest: Ably.Rest; // authenticated with the API key
 * await revokeTarget(rest, roomTarget("lobby", "github:42"));
 * ```
 */
export async function revokeTarget(
  rest: Ably.Rest,
  target: RevocationTarget,
  options: RevokeOptions = {},
): Promise<RevokeOutcome> {
  const colon = target.indexOf(":");
  const type = target.slice(0, colon);
  const value = target.slice(colon + 1);
  let response: unknown;
  try {
    response = await rest.auth.revokeTokens([{ type, value }], {
      issuedBefore: options.issuedBefore ?? Date.now(),
      ...(options.allowReauthMargin ? { allowReauthMargin: true } : {}),
    });
  } catch (err) {
    return failure(classify(err));
  }
  // Ably answers clients of protocol 2 and later (ably-js 2.x) with a
  // BatchResult envelope of per-target results, older ones with a plain
  // array; ably-js passes either through: accept both.
  const results = Array.isArray(response)
    ? response
    : (response as { results?: unknown[] } | null)?.results ?? [];
  const mine = results.find((r) =>
    (r as { target?: unknown })?.target === target
  ) as
    | { issuedBefore?: number; appliesAt?: number; error?: unknown }
    | undefined;
  if (
    mine && mine.error === undefined && typeof mine.issuedBefore === "number"
  ) {
    return {
      kind: "ok",
      issuedBefore: mine.issuedBefore,
      appliesAt: typeof mine.appliesAt === "number"
        ? mine.appliesAt
        : mine.issuedBefore,
    };
  }
  return failure(classify(mine?.error ?? {}));
}

function failure(error: RevocationError): RevokeOutcome {
  return { kind: error.kind, error };
}

/** Sorts an ably-js ErrorInfo (or a per-target error) into a failure. */
function classify(err: unknown): RevocationError {
  const e = (typeof err === "object" && err !== null ? err : {}) as {
    code?: unknown;
    statusCode?: unknown;
  };
  const code = typeof e.code === "number" ? e.code : undefined;
  const statusCode = typeof e.statusCode === "number"
    ? e.statusCode
    : undefined;
  const details = { code, statusCode };
  if (code !== undefined && NOT_REVOCABLE_CODES.has(code)) {
    return new RevocationError(
      "not-revocable",
      `Ably refused token revocation (code ${code}): enable "Revocable tokens" ` +
        "on this API key in the Ably dashboard (app settings, API keys); it " +
        "applies to tokens issued after it is turned on",
      details,
    );
  }
  // No status: the request never got an answer (unreachable, timed out).
  if (
    statusCode === undefined || statusCode >= SERVER_ERROR_STATUS ||
    statusCode === RATE_LIMITED_STATUS
  ) {
    return new RevocationError(
      "retryable",
      `Ably could not be reached or failed (code ${code ?? "none"}, status ${
        statusCode ?? "none"
      }); retry the revocation later`,
      details,
    );
  }
  return new RevocationError(
    "other",
    `Ably refused token revocation (code ${
      code ?? "none"
    }, status ${statusCode})`,
    details,
  );
}
