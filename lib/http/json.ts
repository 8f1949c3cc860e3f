/**
 * The one shape of an API route's JSON answer, and the one error a route
 * throws to refuse (`HttpError`), turned into that answer by `errorResponse`
 * at the edge (`lib/app/middleware.ts`).
 *
 * Every `/api/` answer depends on the session, so every one leaves as
 * `private, no-store` with `Vary: Cookie`, whatever its status: a shared
 * cache must never hand one visitor's token, rooms or messages to another.
 */
import { getLogger } from "../platform/mod.ts";

const logger = getLogger(["live", "api"]);

/**
 * A JSON response, never cached.
 *
 * @example
 * ```ts
 * const busy = jsonResponse(503, { error: "Service Unavailable" }, {
 *   retryAfter: 5,
 * });
 * ```
 */
export function jsonResponse(
  status: number,
  body: unknown,
  options: { retryAfter?: number } = {},
): Response {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "cache-control": "private, no-store",
    "vary": "Cookie",
  };
  if (options.retryAfter !== undefined) {
    headers["retry-after"] = String(options.retryAfter);
  }
  return new Response(JSON.stringify(body), { status, headers });
}

/**
 * The one error the edge turns into an answer: `status` with
 * `{ "error": message }` (and `Retry-After` when given). The message is a
 * fixed sentence, safe to show; a `cause` is logged, never shown.
 */
export class HttpError extends Error {
  /** Seconds for `Retry-After` (RFC 9110 §10.2.3), on 429 and 503. */
  readonly retryAfter?: number;

  constructor(
    readonly status: number,
    message: string,
    options: { retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "HttpError";
    this.retryAfter = options.retryAfter;
  }
}

/** `401 {"error":"Unauthorized!"}`: no, unknown or expired session. */
export function unauthorized(): HttpError {
  return new HttpError(401, "Unauthorized!");
}

/** `403 {"error":"Forbidden"}`: a foreign origin, or a room one may not see. */
export function forbidden(): HttpError {
  return new HttpError(403, "Forbidden");
}

/** `503 {"error":"Service Unavailable"}`, `cause` logged by the edge. */
export function serviceUnavailable(
  options: { retryAfter?: number; cause?: unknown } = {},
): HttpError {
  return new HttpError(503, "Service Unavailable", options);
}

/**
 * The answer for an error a route threw: an `HttpError` as its status with
 * its fixed message (its `cause`, if any, logged); anything else logged and
 * answered 500 without its details.
 */
export function errorResponse(error: unknown, where: string): Response {
  if (error instanceof HttpError) {
    if (error.cause !== undefined) {
      logger.error("{where} failed: {error}", { where, error: error.cause });
    }
    return jsonResponse(error.status, { error: error.message }, {
      retryAfter: error.retryAfter,
    });
  }
  logger.error("{where} failed: {error}", { where, error });
  return jsonResponse(500, { error: "Internal Server Error" });
}
