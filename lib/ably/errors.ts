/**
 * Why the token service gave no credential: the token route turns it into
 * 503 with `Retry-After`, and its span records the outcome `unavailable`.
 */

/**
 * Ably (or the emulator) did not give a token. The route answers 503 with
 * `Retry-After: retryAfterSeconds`.
 */
export class AblyUnavailableError extends Error {
  readonly retryAfterSeconds = 5;
  /** Ably's error code when it answered (e.g. 40101 for a bad key), else undefined. */
  readonly code: number | undefined;

  constructor(message: string, options: { code?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "AblyUnavailableError";
    this.code = options.code;
  }
}
