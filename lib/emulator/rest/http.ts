/**
 * HTTP plumbing shared by the REST endpoints (Ably's REST conventions; spec RSC7
 * headers, RSA3/RSA11 credentials, RSL2a paging by `Link`): request
 * credentials, bounded JSON bodies, JSON answers with Ably's CORS headers,
 * msgpack or JSON bodies and answers (core/wire_format.ts, RSC8), and Ably
 * error responses with `content-type: application/json` exactly
 * (ably-js's Node client matches that literal) plus `X-Ably-ErrorCode` /
 * `X-Ably-ErrorMessage`. The counterpart is ably-js's HTTP layer
 * (`Resource`, `PaginatedResource`).
 */

import type { Authority, Grant } from "../auth/mod.ts";
import {
  type AblyError,
  asAblyError,
  type ChannelName,
  decodeMsgpack,
  encodeMsgpack,
  Errors,
  type ErrorWire,
  type HistoryPage,
  type HistoryQuery,
  MSGPACK_CONTENT_TYPE,
  parseChannelName,
  type WireFormat,
} from "../core/mod.ts";

/** Largest request body read, so a client cannot exhaust memory. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Page size of a paged query without `limit`, and its bounds (RSL2b3). */
const DEFAULT_PAGE_LIMIT = 100;
const MAX_PAGE_LIMIT = 1000;
/** How long a browser may cache a preflight answer, seconds. */
const PREFLIGHT_MAX_AGE_S = 86_400;

/** RSA11 (Basic) or RSA3 (Bearer, base64 of the token) credentials. */
export function authenticate(req: Request, auth: Authority): Grant {
  const header = req.headers.get("authorization");
  if (!header) throw Errors.unauthorized("Authentication required");
  if (header.startsWith("Basic ")) {
    const grant = auth.grantForKey(decodeBasic(header));
    return withHeaderClientId(grant, req.headers.get("x-ably-clientid"));
  }
  if (header.startsWith("Bearer ")) {
    const raw = header.slice(7).trim();
    // RSA3b: the SDK sends the token base64-encoded; accept it verbatim too.
    let token = raw;
    try {
      const decoded = atob(raw);
      if (/^[\x21-\x7e]+$/.test(decoded)) token = decoded;
    } catch {
      token = raw;
    }
    return auth.grantForToken(token);
  }
  throw Errors.unauthorized("Unsupported authorization scheme");
}

/**
 * RSA7e2: a key client built with a `clientId` sends it base64-encoded in
 * `X-Ably-ClientId`; its requests then act as that clientId, as a token
 * bound to it would (RSL1m1 fills it in on messages).
 */
function withHeaderClientId(grant: Grant, header: string | null): Grant {
  if (header === null) return grant;
  let clientId: string;
  try {
    clientId = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(header.trim()), (c) => c.charCodeAt(0)),
    );
  } catch {
    throw Errors.invalidClientId("X-Ably-ClientId is not base64 of UTF-8");
  }
  if (clientId === "" || clientId === "*") {
    throw Errors.invalidClientId("X-Ably-ClientId must name one client");
  }
  return { ...grant, clientId };
}

/** The `key:secret` of a Basic header. */
export function decodeBasic(header: string): string {
  try {
    return atob(header.slice(6).trim());
  } catch {
    throw Errors.invalidCredentials("Malformed Basic credentials");
  }
}

/** One URL path segment, percent-decoded. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw Errors.badRequest("Malformed path");
  }
}

/** `limit` of a paged query (history, presence, stats): 1 to 1000. */
export function limitParam(q: URLSearchParams): number {
  const limit = q.has("limit") ? Number(q.get("limit")) : DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw Errors.invalidParam(`limit must be 1 to ${MAX_PAGE_LIMIT}`);
  }
  return limit;
}

/** `direction` of a paged query: backwards (newest first) by default. */
export function directionParam(
  q: URLSearchParams,
): "backwards" | "forwards" {
  const direction = q.get("direction") ?? "backwards";
  if (direction !== "backwards" && direction !== "forwards") {
    throw Errors.invalidParam("direction must be backwards or forwards");
  }
  return direction;
}

/** `start` / `end` of a paged query, ms timestamps. */
export function timeRangeParams(
  q: URLSearchParams,
): { start?: number; end?: number } {
  const start = q.has("start") ? Number(q.get("start")) : undefined;
  const end = q.has("end") ? Number(q.get("end")) : undefined;
  if (
    (start !== undefined && !Number.isFinite(start)) ||
    (end !== undefined && !Number.isFinite(end))
  ) {
    throw Errors.invalidParam("start and end must be ms timestamps");
  }
  return { start, end };
}

/**
 * RSL2a: ably-js pages by the relative URLs of the `Link` header; `path` is
 * the last path segment (`messages`, `history`, `stats`).
 */
export function pageLinks(
  path: string,
  base: URLSearchParams,
  next: string | undefined,
): string {
  const links = [`<./${path}?${base}>; rel="first"`];
  if (next !== undefined) {
    const nextQuery = new URLSearchParams(base);
    nextQuery.set("cursor", next);
    links.push(`<./${path}?${nextQuery}>; rel="next"`);
  }
  return links.join(", ");
}

/** Reads and checks a history query. */
export function historyQuery(q: URLSearchParams): HistoryQuery {
  const limit = limitParam(q);
  const direction = directionParam(q);
  const { start, end } = timeRangeParams(q);
  return {
    limit,
    direction,
    start,
    end,
    fromSerial: q.get("from_serial") ?? q.get("fromSerial") ?? undefined,
    cursor: q.get("cursor") ?? undefined,
  };
}

/**
 * One page of a history answer: its items as JSON, and the `Link` header
 * (RSL2a) that repeats `query` for the first and next pages.
 */
export function historyPage(
  path: string,
  query: HistoryQuery,
  page: HistoryPage<unknown>,
  origin: string | null,
): Response {
  const res = json(page.items, 200, origin);
  const base = new URLSearchParams({
    limit: String(query.limit),
    direction: query.direction,
  });
  if (query.start !== undefined) base.set("start", String(query.start));
  if (query.end !== undefined) base.set("end", String(query.end));
  if (query.fromSerial !== undefined) {
    base.set("from_serial", query.fromSerial);
  }
  res.headers.set("link", pageLinks(path, base, page.next));
  return res;
}

/**
 * RSC8: the encoding a client wants answers in — msgpack when its Accept
 * header puts `application/x-msgpack` first (ably-js with
 * `useBinaryProtocol`), else JSON.
 */
export function responseFormat(req: Request): WireFormat {
  const accept = req.headers.get("accept") ?? "";
  return accept.trimStart().startsWith(MSGPACK_CONTENT_TYPE)
    ? "msgpack"
    : "json";
}

/**
 * Re-encodes a successful JSON answer as msgpack for a msgpack client.
 * Errors stay JSON: ably-js reads an error body by its content type.
 */
export async function negotiate(
  res: Response,
  format: WireFormat,
): Promise<Response> {
  if (
    format !== "msgpack" || res.status >= 300 ||
    res.headers.get("content-type") !== "application/json"
  ) return res;
  const body = encodeMsgpack(JSON.parse(await res.text()));
  const headers = new Headers(res.headers);
  headers.set("content-type", MSGPACK_CONTENT_TYPE);
  return new Response(body, { status: res.status, headers });
}

/**
 * Reads a body of at most 1 MiB: msgpack when its content type says so,
 * else JSON (40001 when it does not parse).
 */
export async function readJson(req: Request): Promise<unknown> {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) {
    throw Errors.badRequest("Request body too large");
  }
  const reader = req.body?.getReader();
  if (!reader) throw Errors.invalidBody("Request body required");
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel();
      throw Errors.badRequest("Request body too large");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  const msgpack = (req.headers.get("content-type") ?? "").includes(
    MSGPACK_CONTENT_TYPE,
  );
  try {
    return msgpack
      ? decodeMsgpack(bytes)
      : JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw Errors.invalidBody(
      `Request body is not ${msgpack ? "msgpack" : "JSON"}`,
    );
  }
}

/** A JSON answer with CORS headers. */
export function json(
  body: unknown,
  status: number,
  origin: string | null,
): Response {
  return withCors(
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    }),
    origin,
  );
}

/**
 * RSC7a: the API version the client speaks (`X-Ably-Version`; ably-js 2.28
 * sends 6); 1 when it says none.
 */
export function apiVersion(req: Request): number {
  const version = parseFloat(req.headers.get("x-ably-version") ?? "");
  return Number.isFinite(version) ? version : 1;
}

/**
 * The first API version Ably answers batch requests (batch publish, batch
 * presence, token revocation) with a `BatchResult`, partial failures
 * inside it, rather than a bare array or a 400.
 */
export const BATCH_RESULT_VERSION = 2;

/** Channels one batch request may address, all specs together (Ably's bound). */
export const MAX_BATCH_CHANNELS = 100;

/** BAR2: a batch's per-item results with their counts, in request order. */
export interface BatchResult<T> {
  successCount: number;
  failureCount: number;
  results: T[];
}

/** A channel of a batch that failed alone (BPF, BGF2). */
export interface ChannelFailure {
  channel: string;
  error: ErrorWire;
}

/**
 * One channel of a batch request: `run` with its parsed name, or the
 * failure of that channel alone — a bad name (40010) or whatever `run`
 * refused — so the rest of the batch goes on.
 */
export function perChannel<T>(
  channel: string,
  run: (name: ChannelName) => T,
): T | ChannelFailure {
  try {
    return run(parseChannelName(channel));
  } catch (err) {
    return { channel, error: asAblyError(err).toWire() };
  }
}

/** BAR2: a batch's per-item results with their counts, in request order. */
export function batchResult<T extends object>(results: T[]): BatchResult<T> {
  const failureCount = results.filter((r) => "error" in r).length;
  return { successCount: results.length - failureCount, failureCount, results };
}

/**
 * A batch's answer to a client before `BATCH_RESULT_VERSION`: the bare
 * array of results with `status`, or, if any item failed, 400 40020 with the
 * array as `batchResponse`.
 */
export function legacyBatchResponse(
  results: object[],
  status: number,
  origin: string | null,
): Response {
  if (results.some((r) => "error" in r)) {
    return errorResponse(Errors.batchHasErrors(), origin, {
      batchResponse: results,
    });
  }
  return json(results, status, origin);
}

/**
 * An Ably error response: JSON body, exact content type, error headers;
 * `extra` adds fields beside `error` (a batch's `batchResponse`).
 */
export function errorResponse(
  err: AblyError,
  origin: string | null,
  extra: Record<string, unknown> = {},
): Response {
  const res = new Response(JSON.stringify({ ...extra, error: err.toWire() }), {
    status: err.statusCode,
    headers: {
      "content-type": "application/json",
      "x-ably-errorcode": String(err.code),
      "x-ably-errormessage": err.message.replace(/[^\x20-\x7e]/g, " "),
    },
  });
  return withCors(res, origin);
}

/** Answers a CORS preflight, echoing the headers asked for. */
export function preflight(req: Request, origin: string | null): Response {
  const headers = new Headers({
    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
    "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
  });
  const asked = req.headers.get("access-control-request-headers");
  if (asked) headers.set("access-control-allow-headers", asked);
  return withCors(new Response(null, { status: 204, headers }), origin);
}

/**
 * CORS for a browser client with credentials: the origin echoed (`*` would
 * break authenticated calls) and the error headers exposed, without which a
 * browser client sees `code=null`.
 */
export function withCors(res: Response, origin: string | null): Response {
  res.headers.set("access-control-allow-origin", origin ?? "*");
  if (origin) {
    res.headers.set("access-control-allow-credentials", "true");
    res.headers.append("vary", "Origin");
  }
  res.headers.set(
    "access-control-expose-headers",
    "X-Ably-Errorcode, X-Ably-Errormessage, Link",
  );
  return res;
}
