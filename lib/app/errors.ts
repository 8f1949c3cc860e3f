/**
 * Where a refusal of `lib/rooms/` becomes an HTTP status: the rooms never
 * pick one, they throw a `ChatError` with a code, and the edge's
 * `HttpError` carries the status from here on.
 */
import { errorResponse as httpErrorResponse, HttpError } from "../http/mod.ts";
import { ChatError, type ChatErrorCode } from "../rooms/mod.ts";

/** The HTTP status of each refusal of the rooms. */
export const CHAT_ERROR_STATUS: Readonly<Record<ChatErrorCode, number>> = {
  invalid_input: 400,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
};

/**
 * `error` as the edge's `HttpError` when it is a refusal the caller may see;
 * otherwise itself.
 *
 * @example
 * ```ts
 * import { ChatError } from "../rooms/mod.ts";
 * import { toHttpError } from "./errors.ts";
 *
 * toHttpError(new ChatError("not_found", "No such room.")); // HttpError 404
 * ```
 */
export function toHttpError(error: unknown): unknown {
  return error instanceof ChatError
    ? new HttpError(CHAT_ERROR_STATUS[error.code], error.reason)
    : error;
}

/**
 * The JSON answer for an error an API route caught: a `ChatError` or an
 * `HttpError` as its status with its fixed reason; anything else logged and
 * answered 500 without its details.
 */
export function errorResponse(error: unknown, where: string): Response {
  return httpErrorResponse(toHttpError(error), where);
}
