/**
 * Where a refusal of the layers below becomes an HTTP status, for the API
 * edge (`middleware.ts`): the rooms never pick one, they throw a `ChatError`
 * with a code; the token service throws `AblyUnavailableError`; the edge's
 * `HttpError` carries the status from here on.
 *
 * And the one rule for a room id in a path or query: a malformed id names
 * no room, so it is answered as one that does not exist — `404 {"error":
 * "No such room."}` — before KV is read, on every route that takes one;
 * and the one answer of the room routes for a room the caller may not see,
 * unknown or private alike: `403 {"error":"Forbidden"}`.
 */
import { AblyUnavailableError } from "../ably/mod.ts";
import { isRoomId, type UserRef } from "../contract/mod.ts";
import {
  errorResponse as httpErrorResponse,
  forbidden,
  HttpError,
  serviceUnavailable,
} from "../http/mod.ts";
import {
  ChatError,
  type ChatErrorCode,
  type RoomAccess,
  roomAccess,
} from "../rooms/mod.ts";

/** The HTTP status of each refusal of the rooms. */
export const CHAT_ERROR_STATUS: Readonly<Record<ChatErrorCode, number>> = {
  invalid_input: 400,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  ambiguous: 409,
};

/**
 * `error` as the edge's `HttpError` when it is a refusal the caller may see
 * (or Ably being away, `503` with `Retry-After`; the token service logged
 * it already, without the key); otherwise itself.
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
  if (error instanceof ChatError) {
    return new HttpError(CHAT_ERROR_STATUS[error.code], error.reason);
  }
  if (error instanceof AblyUnavailableError) {
    return serviceUnavailable({ retryAfter: error.retryAfterSeconds });
  }
  return error;
}

/**
 * The JSON answer for an error an API route threw: a refusal as its status
 * with its fixed reason; anything else logged and answered 500 without its
 * details.
 */
export function errorResponse(error: unknown, where: string): Response {
  return httpErrorResponse(toHttpError(error), where);
}

/**
 * `id` when it is a well-formed room id.
 *
 * @throws {HttpError} 404 `No such room.` otherwise: the same answer as a
 * room that does not exist.
 *
 * @example
 * ```ts
 * import { roomIdParam } from "./errors.ts";
 *
 * roomIdParam("lobby"); // "lobby"
 * roomIdParam("room:*"); // throws HttpError 404
 * ```
 */
export function roomIdParam(id: string): string {
  if (!isRoomId(id)) throw new HttpError(404, "No such room.");
  return id;
}

/**
 * The policy's yes for `user` in `roomId` (`roomAccess`).
 *
 * @throws {HttpError} 403 `Forbidden` when the room is unknown or unseen:
 * one answer for both, so a stranger cannot tell a private room exists.
 */
export async function seenRoomAccess(
  kv: Deno.Kv,
  user: UserRef,
  roomId: string,
): Promise<RoomAccess> {
  const access = await roomAccess(kv, user, roomId);
  if (access === null) throw forbidden();
  return access;
}
