/**
 * The one body reader, for the API's JSON and the pages' HTML forms alike:
 * one content-type check, one size limit (`MAX_BODY_BYTES`), one error
 * (`BodyError`, an `HttpError`). It refuses what it cannot take before
 * parsing it: the wrong content type (415), more than the limit (413),
 * malformed JSON or JSON that is no object (400).
 *
 * An `/api/` route lets a `BodyError` go: the API edge
 * (`lib/app/middleware.ts`) answers it in JSON. A page route answers it as
 * plain text.
 */
import { HttpError } from "./json.ts";

/** Largest body a route reads, JSON or form, in bytes. */
export const MAX_BODY_BYTES = 4 * 1024;

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
 * past `MAX_BODY_BYTES`, 400 for malformed JSON or JSON that is no object.
 */
export async function readJsonBody(
  req: Request,
): Promise<Record<string, unknown>> {
  const bytes = await readBody(req, "application/json");
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
 * The request's HTML form (`application/x-www-form-urlencoded`).
 *
 * @throws {BodyError} 415 for another content type, 413 past
 * `MAX_BODY_BYTES`.
 */
export async function readFormBody(req: Request): Promise<FormData> {
  const bytes = await readBody(req, "application/x-www-form-urlencoded");
  const form = new FormData();
  for (
    const [key, value] of new URLSearchParams(new TextDecoder().decode(bytes))
  ) {
    form.append(key, value);
  }
  return form;
}

/**
 * The body's bytes when its `Content-Type` is `type`; refused past
 * `MAX_BODY_BYTES` whatever `Content-Length` says (it may be absent or lie):
 * reading stops at the limit.
 */
async function readBody(req: Request, type: string): Promise<Uint8Array> {
  const given = req.headers.get("content-type")?.split(";")[0].trim()
    .toLowerCase();
  if (given !== type) {
    await req.body?.cancel();
    throw new BodyError(415, `Send the body as ${type}.`);
  }
  const tooBig = () =>
    new BodyError(413, `The body is over ${MAX_BODY_BYTES} bytes.`);
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await req.body?.cancel();
    throw tooBig();
  }
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooBig();
      }
      chunks.push(value);
    }
  }
  return new Uint8Array(await new Blob(chunks).arrayBuffer());
}
