/**
 * The one shape of an API route's JSON answer, and of reading a JSON body.
 *
 * Every `/api/` answer depends on the session, so every one leaves as
 * `private, no-store` with `Vary: Cookie`, whatever its status: a shared
 * cache must never hand one visitor's token, rooms or messages to another.
 * A state-changing route reads its body with `readJsonBody`, which refuses
 * what it cannot take before parsing it: the wrong content type (415), more
 * than `MAX_JSON_BODY_BYTES` (413), malformed JSON or not an object (400).
 */
import { getLogger } from "../platform/mod.ts";

const logger = getLogger(["live", "api"]);

/** Largest JSON body an API route reads, in bytes. */
export const MAX_JSON_BODY_BYTES = 4 * 1024;

/**
 * A JSON response, never cached.
 *
 * @example
 * ```ts
 * return jsonResponse(503, { error: "Service Unavailable" }, { retryAfter: 5 });
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

/** `401 {"error":"Unauthorized!"}`: no, unknown or expired session. */
export function unauthorized(): Response {
  return jsonResponse(401, { error: "Unauthorized!" });
}

/** `403 {"error":"Forbidden"}`: a foreign origin, or a room one may not see. */
export function forbidden(): Response {
  return jsonResponse(403, { error: "Forbidden" });
}

/**
 * The one error the edge turns into an answer: `status` with
 * `{ "error": message }`. The message is a fixed sentence, safe to show.
 */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HttpError";
  }
}

/** A body the route cannot take; `status` is 400, 413 or 415. */
export class BodyError extends HttpError {
  constructor(override readonly status: 400 | 413 | 415, reason: string) {
    super(status, reason);
    this.name = "BodyError";
  }
}

/**
 * The request's JSON object body.
 *
 * @throws {BodyError} 415 unless `Content-Type` is `application/json`, 413
 * past `maxBytes`, 400 for malformed JSON or JSON that is no object.
 */
export async function readJsonBody(
  req: Request,
  maxBytes: number = MAX_JSON_BODY_BYTES,
): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type")?.split(";")[0].trim()
    .toLowerCase();
  if (type !== "application/json") {
    await req.body?.cancel();
    throw new BodyError(415, "Send the body as application/json.");
  }
  const bytes = await readBodyBytes(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new BodyError(400, "The body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BodyError(400, "The body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/**
 * The request's body, refused past `maxBytes` whatever `Content-Length`
 * says (it may be absent or lie): reading stops at the limit.
 *
 * @throws {BodyError} 413 past `maxBytes`.
 */
export async function readBodyBytes(
  req: Request,
  maxBytes: number,
): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await req.body?.cancel();
    throw new BodyError(413, `The body is over ${maxBytes} bytes.`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new BodyError(413, `The body is over ${maxBytes} bytes.`);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The answer for an error a route caught: an `HttpError` as its status with
 * its fixed message; anything else logged and answered 500 without its
 * details.
 */
export function errorResponse(error: unknown, where: string): Response {
  if (error instanceof HttpError) {
    return jsonResponse(error.status, { error: error.message });
  }
  logger.error("{where} failed: {error}", { where, error });
  return jsonResponse(500, { error: "Internal Server Error" });
}
