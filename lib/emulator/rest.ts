/**
 * The REST side of the emulator (Ably's REST API as ably-js calls it): routes each request to
 * the module of its resource —
 *
 * - `GET /time` (RSC16) and `GET /is-the-internet-up.txt` (a connectivity
 *   check pointed here), answered here;
 * - `POST /keys/{keyName}/requestToken` (RSA8) and
 *   `POST /keys/{keyName}/revokeTokens` (RSA17) → rest_keys.ts;
 * - `POST|GET /channels/{name}/messages` (RSL1, RSL2) → rest_messages.ts;
 * - `GET /channels/{name}/presence` and `…/presence/history` (RSP3, RSP4)
 *   → rest_presence.ts;
 * - `GET /stats` (RSC6) → rest_stats.ts.
 *
 * Channel names are parsed as Ably reads them (channel_name.ts, 40010 when
 * invalid). HTTP plumbing — credentials, bodies, CORS, Ably error JSON —
 * lives in rest_http.ts; answers are JSON or msgpack as the client asks
 * (RSC8). The counterpart is ably-js `Rest` / `Resource`.
 */

import type { Authority } from "./auth.ts";
import { parseChannelName } from "./channel_name.ts";
import { asAblyError, Errors } from "./errors.ts";
import type { ChannelRegistry, Subscriber } from "./realtime/channels.ts";
import {
  authenticate,
  decodeSegment,
  errorResponse,
  json,
  negotiate,
  preflight,
  responseFormat,
  withCors,
} from "./rest_http.ts";
import { requestToken, revokeTokens } from "./rest_keys.ts";
import { history, publish } from "./rest_messages.ts";
import { presence, presenceHistory } from "./rest_presence.ts";
import { stats } from "./rest_stats.ts";

export { errorResponse } from "./rest_http.ts";

/** What the REST handler needs. */
export interface RestContext {
  auth: Authority;
  channels: ChannelRegistry;
  maxMessageSize: number;
  /** The live realtime connection a `connectionKey` names (TM2). */
  connectionByKey(key: string): Subscriber | undefined;
  now(): number;
}

const KEY_PATH = /^\/keys\/([^/]+)\/(requestToken|revokeTokens)$/;
const CHANNEL_PATH =
  /^\/channels\/([^/]+)\/(messages|presence|presence\/history)$/;

/** Handles one non-WebSocket request. */
export async function handleRest(
  req: Request,
  ctx: RestContext,
): Promise<Response> {
  const origin = req.headers.get("origin");
  try {
    if (req.method === "OPTIONS") return preflight(req, origin);
    return await negotiate(await route(req, ctx, origin), responseFormat(req));
  } catch (err) {
    await req.body?.cancel().catch(() => {});
    return errorResponse(asAblyError(err), origin);
  }
}

async function route(
  req: Request,
  ctx: RestContext,
  origin: string | null,
): Promise<Response> {
  const url = new URL(req.url);
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
  if (path === "/stats") {
    if (req.method !== "GET") throw Errors.methodNotAllowed();
    return stats(url, authenticate(req, ctx.auth), origin);
  }
  const keyMatch = KEY_PATH.exec(path);
  if (keyMatch) {
    if (req.method !== "POST") throw Errors.methodNotAllowed();
    const keyName = decodeSegment(keyMatch[1]);
    return keyMatch[2] === "requestToken"
      ? await requestToken(req, ctx, keyName, origin)
      : await revokeTokens(req, ctx, keyName, origin);
  }
  const channelMatch = CHANNEL_PATH.exec(path);
  if (channelMatch) {
    const name = parseChannelName(decodeSegment(channelMatch[1]));
    const grant = authenticate(req, ctx.auth);
    const resource = channelMatch[2];
    if (resource === "messages") {
      if (req.method === "POST") {
        return await publish(req, ctx, grant, name, origin);
      }
      if (req.method === "GET") {
        return history(url, ctx, grant, name, origin);
      }
      throw Errors.methodNotAllowed();
    }
    if (req.method !== "GET") throw Errors.methodNotAllowed();
    return resource === "presence"
      ? presence(url, ctx, grant, name, origin)
      : presenceHistory(url, ctx, grant, name, origin);
  }
  throw Errors.notFound(`No such endpoint: ${req.method} ${path}`);
}
