/**
 * Ably error values as the emulator hands them out: the `{ message, code,
 * statusCode, href }` object of an ErrorInfo (spec TI1–TI5), used both in
 * REST error bodies and in realtime ERROR, NACK,
 * DISCONNECTED and channel ERROR frames. The counterpart is ably-js's
 * `ErrorInfo.fromWireValues`, which reads these exact field names.
 *
 * Codes come from ably-common `protocol/errors.json`; the HTTP status is the
 * one Ably pairs with each code (the first three digits, as a rule).
 */

/** The wire form of an Ably ErrorInfo. */
export interface ErrorWire {
  /** Human-readable reason; never carries a key secret or a token. */
  message: string;
  /** Ably error code, e.g. 40160. */
  code: number;
  /** HTTP status paired with the code. */
  statusCode: number;
  /** Ably's help page for the code. */
  href: string;
}

/** A typed Ably error: the code decides the client's reaction (RSA4b). */
export class AblyError extends Error {
  /** Ably error code. */
  readonly code: number;
  /** HTTP status paired with the code. */
  readonly statusCode: number;

  constructor(code: number, statusCode: number, message: string) {
    super(message);
    this.name = "AblyError";
    this.code = code;
    this.statusCode = statusCode;
  }

  /** The ErrorInfo object as sent on the wire. */
  toWire(): ErrorWire {
    return {
      message: this.message,
      code: this.code,
      statusCode: this.statusCode,
      href: `https://help.ably.io/error/${this.code}`,
    };
  }
}

/** Turns anything thrown into an AblyError; unknown failures become 50000. */
export function asAblyError(err: unknown): AblyError {
  if (err instanceof AblyError) return err;
  return new AblyError(50000, 500, "Internal emulator error");
}

/** Shorthands for the codes the emulator uses, so call sites read as intent. */
export const Errors = {
  badRequest: (msg: string) => new AblyError(40000, 400, msg),
  invalidBody: (msg: string) => new AblyError(40001, 400, msg),
  invalidParam: (msg: string) => new AblyError(40003, 400, msg),
  invalidConnectionId: (msg: string) => new AblyError(40006, 400, msg),
  messageTooLarge: (size: number, max: number) =>
    new AblyError(
      40009,
      400,
      `Maximum message length exceeded (size ${size} bytes, limit ${max} bytes)`,
    ),
  invalidChannelName: (msg: string) => new AblyError(40010, 400, msg),
  invalidClientId: (msg: string) => new AblyError(40012, 400, msg),
  unsupportedVersion: (msg: string) => new AblyError(40017, 400, msg),
  unauthorized: (msg: string) => new AblyError(40100, 401, msg),
  invalidCredentials: (msg: string) => new AblyError(40101, 401, msg),
  batchHasErrors: () =>
    new AblyError(40020, 400, "Batched response includes errors"),
  incompatibleCredentials: (msg: string) => new AblyError(40102, 401, msg),
  timestampNotCurrent: () => new AblyError(40104, 401, "Timestamp not current"),
  nonceReplayed: () => new AblyError(40105, 401, "Nonce value replayed"),
  connectionLimit: (max: number) =>
    new AblyError(
      40111,
      401,
      `Connection limit exceeded (at most ${max} connections)`,
    ),
  wrongKeyForRevocation: () =>
    new AblyError(
      40133,
      401,
      "Can only revoke tokens using the same key that issued them",
    ),
  tokenRevoked: () => new AblyError(40141, 401, "Token revoked"),
  tokenExpired: () => new AblyError(40142, 401, "Token expired"),
  tokenUnrecognised: () => new AblyError(40143, 401, "Token unrecognised"),
  invalidJwt: (msg: string) =>
    new AblyError(40144, 401, `Invalid JWT format: ${msg}`),
  notPermitted: (msg: string) => new AblyError(40160, 401, msg),
  needsBasicAuth: () =>
    new AblyError(
      40162,
      401,
      "Token revocation requires Basic authentication with the issuing key",
    ),
  revocationNotEnabled: () =>
    new AblyError(
      40164,
      401,
      "Token revocation is not enabled for this API key (enable revocable tokens on the key)",
    ),
  notFound: (msg: string) => new AblyError(40400, 404, msg),
  appNotFound: () =>
    new AblyError(40400, 404, "No application found for the credential"),
  methodNotAllowed: () => new AblyError(40500, 405, "Method not allowed"),
  rateLimited: (msg: string) => new AblyError(42910, 429, msg),
  connectionExpired: () =>
    new AblyError(
      80008,
      400,
      "Unable to recover connection: connection expired",
    ),
  protocolError: (msg: string) => new AblyError(80013, 400, msg),
  invalidConnectionKey: () =>
    new AblyError(
      80018,
      400,
      "Unable to recover connection: invalid connection key",
    ),
  channelState: (msg: string) => new AblyError(90001, 400, msg),
  tooManyChannels: (max: number) =>
    new AblyError(
      90010,
      400,
      `Maximum number of channels per connection exceeded (${max})`,
    ),
  tooManyPresenceMembers: (max: number) =>
    new AblyError(
      91003,
      400,
      `Unable to enter member to presence channel; maximum number of ${max} members exceeded`,
    ),
  presenceDataTooLarge: (max: number) =>
    new AblyError(
      91006,
      400,
      `Unable to enter presence channel: the members' data would exceed ${max} bytes`,
    ),
  tokenConnectionLimit: (max: number) =>
    new AblyError(
      40151,
      403,
      `Token connection limit exceeded (at most ${max} connections per token)`,
    ),
  presenceNoClientId: () =>
    new AblyError(
      91000,
      400,
      "Unable to enter presence channel: no clientId",
    ),
} as const;
