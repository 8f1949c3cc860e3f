/**
 * The REST side of the emulator (ABLY.md section 2; spec RSC16 time, RSA8
 * requestToken, RSL1 publish, RSL2 history): `GET /time`,
 * `POST /keys/{keyName}/requestToken`, `POST /keys/{keyName}/revokeTokens`
 * (RSA17, state in revocations.ts), `POST|GET /channels/{name}/messages`,
 * `GET /channels/{name}/presence` (RSP3), and `GET /is-the-internet-up.txt`
 * for a connectivity check pointed here.
 * Every answer carries Ably's CORS headers; errors are Ably JSON with
 * `content-type: application/json` exactly (ably-js's Node client matches
 * that literal) and `X-Ably-ErrorCode` / `X-Ably-ErrorMessage`. The
 * counterpart is ably-js `Rest` / `Resource` over its HTTP layer.
 */

import { operationsFor } from "./capability.ts";
import { randomId } from "./crypto.ts";
import { AblyError, asAblyError, Errors } from "./errors.ts";
import type { Authority } from "./auth.ts";
import type { ChannelRegistry } from "./realtime/channels.ts";
import {
  messagesSize,
  readMessages,
  type WireMessage,
} from "./realtime/protocol.ts";
import type { Grant } from "./tokens.ts";

/** What the REST handler needs. */
export interface RestContext {
  auth: Authority;
  channels: ChannelRegistry;
  maxMessageSize: number;
  now(): number;
}

/** Largest request body read, so a client cannot exhaust memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Handles one non-WebSocket request. */
export async function handleRest(
  req: Request,
  ctx: RestContext,
): Promise<Response> {
  const origin = req.headers.get("origin");
  try {
    if (req.method === "OPTIONS") return preflight(req, origin);
    const url = new URL(req.url);
    rejectMsgpack(req, url);
    const path = url.pathname;
    if (path === "/time") {
      if (req.method !== "GET") throw Errors.methodNotAllowed();
      return json([ctx.now()], 200, origin);
    }
    if (path === "/is-the-internet-up.txt") {
      return withCors(
        new Response("yes\n", { headers: { "content-type": "text/plain" } }),
        origin,
      );
    }
    const tokenMatch = /^\/keys\/([^/]+)\/requestToken$/.exec(path);
    if (tokenMatch) {
      if (req.method !== "POST") throw Errors.methodNotAllowed();
      const keyName = decodeSegment(tokenMatch[1]);
      const auth = req.headers.get("authorization");
      const basicKey = auth?.startsWith("Basic ")
        ? ctx.auth.keys.authenticate(decodeBasic(auth))
        : undefined;
      const body = await readJson(req);
      return json(ctx.auth.requestToken(keyName, body, basicKey), 200, origin);
    }
    const revokeMatch = /^\/keys\/([^/]+)\/revokeTokens$/.exec(path);
    if (revokeMatch) {
      if (req.method !== "POST") throw Errors.methodNotAllowed();
      return await revokeTokens(
        req,
        ctx,
        decodeSegment(revokeMatch[1]),
        origin,
      );
    }
    const channelMatch = /^\/channels\/([^/]+)\/messages$/.exec(path);
    if (channelMatch) {
      const name = decodeSegment(channelMatch[1]);
      const grant = authenticate(req, ctx.auth);
      if (req.method === "POST") {
        return await publish(req, ctx, grant, name, origin);
      }
      if (req.method === "GET") return history(url, ctx, grant, name, origin);
      throw Errors.methodNotAllowed();
    }
    const presenceMatch = /^\/channels\/([^/]+)\/presence$/.exec(path);
    if (presenceMatch) {
      if (req.method !== "GET") throw Errors.methodNotAllowed();
      const name = decodeSegment(presenceMatch[1]);
      return presence(url, ctx, authenticate(req, ctx.auth), name, origin);
    }
    throw Errors.notFound(`No such endpoint: ${req.method} ${path}`);
  } catch (err) {
    await req.body?.cancel().catch(() => {});
    return errorResponse(asAblyError(err), origin);
  }
}

/**
 * RSA17: revokeTokens, by Basic auth with the issuing key only (RSA17d: a
 * token caller gets 40162). All targets applied → 200 and the array of
 * results; any target failed → 400 40020 with the array as
 * `batchResponse`, Ably's answer to a batch with errors.
 */
async function revokeTokens(
  req: Request,
  ctx: RestContext,
  keyName: string,
  origin: string | null,
): Promise<Response> {
  const header = req.headers.get("authorization");
  if (header?.startsWith("Bearer ")) throw Errors.needsBasicAuth();
  if (!header?.startsWith("Basic ")) {
    throw Errors.unauthorized("Authentication required");
  }
  const key = ctx.auth.keys.authenticate(decodeBasic(header));
  const results = ctx.auth.revokeTokens(keyName, key, await readJson(req));
  if (results.some((r) => "error" in r)) {
    return errorResponse(Errors.batchHasErrors(), origin, {
      batchResponse: results,
    });
  }
  return json(results, 200, origin);
}

/** RSL1: publish one message or an array; fans out to realtime subscribers. */
async function publish(
  req: Request,
  ctx: RestContext,
  grant: Grant,
  name: string,
  origin: string | null,
): Promise<Response> {
  if (!operationsFor(grant.capability, name).has("publish")) {
    throw Errors.notPermitted(
      "Unable to publish to channel: permission denied",
    );
  }
  const body = await readJson(req);
  const messages = readMessages(Array.isArray(body) ? body : [body]);
  const size = messagesSize(messages);
  if (size > ctx.maxMessageSize) {
    throw Errors.messageTooLarge(size, ctx.maxMessageSize);
  }
  for (const m of messages) {
    // RSL1m / RSA7: a message's clientId must agree with the credential's.
    if (m.clientId === undefined) continue;
    if (
      m.clientId === "*" ||
      (grant.clientId !== "*" && m.clientId !== grant.clientId)
    ) {
      throw Errors.invalidClientId(
        "Message clientId is not permitted by the credential",
      );
    }
  }
  const filled: WireMessage[] = messages.map((m) =>
    grant.clientId && grant.clientId !== "*" && !m.clientId
      ? { ...m, clientId: grant.clientId }
      : m
  );
  const stored = ctx.channels.get(name).publish(
    filled,
    { protocolId: randomId(9) },
    ctx.now(),
  );
  return json(
    {
      channel: name,
      messageId: stored.messages[0]?.id?.replace(/:\d+$/, ""),
      serials: stored.messages.map((m) => m.serial),
    },
    201,
    origin,
  );
}

/** `limit` of a paged REST query (history, presence): 100 when absent, 1 to 1000. */
function limitParam(q: URLSearchParams): number {
  const limit = q.has("limit") ? Number(q.get("limit")) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw Errors.invalidParam("limit must be 1 to 1000");
  }
  return limit;
}

/** RSL2: history, newest first by default, `limit` ≤ 1000, `direction`. */
function history(
  url: URL,
  ctx: RestContext,
  grant: Grant,
  name: string,
  origin: string | null,
): Response {
  if (!operationsFor(grant.capability, name).has("history")) {
    throw Errors.notPermitted("Unable to read history: permission denied");
  }
  const q = url.searchParams;
  const limit = limitParam(q);
  const direction = q.get("direction") ?? "backwards";
  if (direction !== "backwards" && direction !== "forwards") {
    throw Errors.invalidParam("direction must be backwards or forwards");
  }
  const start = q.has("start") ? Number(q.get("start")) : undefined;
  const end = q.has("end") ? Number(q.get("end")) : undefined;
  if (
    (start !== undefined && !Number.isFinite(start)) ||
    (end !== undefined && !Number.isFinite(end))
  ) {
    throw Errors.invalidParam("start and end must be ms timestamps");
  }
  const cursor = q.get("cursor") ?? undefined;
  const page = ctx.channels.find(name)?.history({
    limit,
    direction,
    start,
    end,
    cursor,
  }) ?? { items: [] };
  const res = json(page.items, 200, origin);
  // RSL2a: ably-js pages by the relative URLs of the `Link` header.
  const base = new URLSearchParams({ limit: String(limit), direction });
  if (start !== undefined) base.set("start", String(start));
  if (end !== undefined) base.set("end", String(end));
  const links = [`<./messages?${base}>; rel="first"`];
  if (page.next !== undefined) {
    const next = new URLSearchParams(base);
    next.set("cursor", page.next);
    links.push(`<./messages?${next}>; rel="next"`);
  }
  res.headers.set("link", links.join(", "));
  return res;
}

/** RSP3: current members, filtered by `clientId` / `connectionId`. */
function presence(
  url: URL,
  ctx: RestContext,
  grant: Grant,
  name: string,
  origin: string | null,
): Response {
  if (!operationsFor(grant.capability, name).has("subscribe")) {
    throw Errors.notPermitted("Unable to read presence: permission denied");
  }
  const q = url.searchParams;
  const limit = limitParam(q);
  const clientId = q.get("clientId");
  const connectionId = q.get("connectionId");
  const members = (ctx.channels.find(name)?.presence.snapshot() ?? []).filter(
    (m) =>
      (clientId === null || m.clientId === clientId) &&
      (connectionId === null || m.connectionId === connectionId),
  );
  return json(members.slice(0, limit), 200, origin);
}

/** RSA11 (Basic) or RSA3 (Bearer, base64 of the token) credentials. */
function authenticate(req: Request, auth: Authority): Grant {
  const header = req.headers.get("authorization");
  if (!header) throw Errors.unauthorized("Authentication required");
  if (header.startsWith("Basic ")) return auth.grantForKey(decodeBasic(header));
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

function decodeBasic(header: string): string {
  try {
    return atob(header.slice(6).trim());
  } catch {
    throw Errors.invalidCredentials("Malformed Basic credentials");
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw Errors.badRequest("Malformed path");
  }
}

function rejectMsgpack(req: Request, url: URL): void {
  const type = req.headers.get("content-type") ?? "";
  const accept = req.headers.get("accept") ?? "";
  if (
    type.includes("msgpack") || url.searchParams.get("format") === "msgpack" ||
    (accept.includes("msgpack") && !accept.includes("json"))
  ) {
    throw new AblyError(
      40000,
      400,
      "The emulator speaks JSON only: set useBinaryProtocol: false",
    );
  }
}

async function readJson(req: Request): Promise<unknown> {
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
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw Errors.invalidBody("Request body is not JSON");
  }
}

function json(body: unknown, status: number, origin: string | null): Response {
  return withCors(
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    }),
    origin,
  );
}

/** An Ably error response: JSON body, exact content type, error headers. */
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

function preflight(req: Request, origin: string | null): Response {
  const headers = new Headers({
    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
    "access-control-max-age": "86400",
  });
  const asked = req.headers.get("access-control-request-headers");
  if (asked) headers.set("access-control-allow-headers", asked);
  return withCors(new Response(null, { status: 204, headers }), origin);
}

/** CORS for a browser client with credentials (ABLY.md section 2). */
function withCors(res: Response, origin: string | null): Response {
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
