/**
 * The REST side of the emulator (Ably's REST API as ably-js calls it): routes each request to
 * the module of its resource —
 *
 * - `GET /time` (RSC16) and `GET /is-the-internet-up.txt` (a connectivity
 *   check pointed here), answered here;
 * - `POST /keys/{keyName}/requestToken` (RSA8) and
 *   `POST /keys/{keyName}/revokeTokens` (RSA17) → keys.ts;
 * - `POST|GET /channels/{name}/messages` (RSL1, RSL2) → messages.ts;
 * - `POST /messages` (RSC22 batch publish) → batch_publish.ts;
 * - `GET /channels/{name}/presence` and `…/presence/history` (RSP3, RSP4)
 *   → presence.ts;
 * - `GET /presence?channels=…` (RSC24 batch presence) → batch_presence.ts;
 * - `GET /stats` (RSC6) → stats.ts.
 *
 * Channel names are parsed as Ably reads them (core/channel_name.ts, 40010 when
 * invalid). HTTP plumbing — credentials, bodies, CORS, Ably error JSON —
 * lives in http.ts; answers are JSON or msgpack as the client asks
 * (RSC8). The counterpart is ably-js `Rest` / `Resource`.
 */

import { asAblyError, Errors, parseChannelName } from "../core/mod.ts";
import type { RestContext } from "./context.ts";
import {
  authenticate,
  decodeSegment,
  errorResponse,
  json,
  negotiate,
  preflight,
  responseFormat,
  withCors,
} from "./http.ts";
import { batchPresence } from "./batch_presence.ts";
import { requestToken, revokeTokens } from "./keys.ts";
import { history, publish } from "./messages.ts";
import { batchPublish } from "./batch_publish.ts";
import { presence, presenceHistory } from "./presence.ts";
import { stats } from "./stats.ts";

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
  if (path === "/presence") {
    if (req.method !== "GET") throw Errors.methodNotAllowed();
    return batchPresence(url, ctx, authenticate(req, ctx.auth), origin);
  }
  if (path === "/messages") {
    if (req.method !== "POST") throw Errors.methodNotAllowed();
    return await batchPublish(req, ctx, authenticate(req, ctx.auth), origin);
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
