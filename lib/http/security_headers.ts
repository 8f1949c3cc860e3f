/**
 * The response headers that tell a browser what a page of ours may do: the
 * Content-Security-Policy and its companions. Every response gets them from
 * one middleware of the app plugin (`lib/app/middleware.ts`), and the `_500`
 * page, which Fresh renders outside the middleware chain, from the same
 * function here.
 *
 * The policy allows exactly what the app loads:
 *
 * - scripts: our own files only (`script-src 'self'`). The runtime ships the
 *   island entry as an external module script and the island props as
 *   `application/json`, which a browser never executes, so no inline script
 *   and no hash is needed.
 * - styles: `static/styles.css` (`style-src 'self'`); no inline styles.
 * - connections: our own origin (the token route) and the one Ably endpoint
 *   the island's client is pointed at (`BrowserClientOptions`), or Ably's
 *   hosts when it uses the SDK's defaults.
 * - images: our own, and avatars from the sign-in provider (`https:`, `data:`).
 * - forms: our own origin only; sign-in is a link, and the sign-out form posts
 *   here and lands here.
 * - framing: none (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for
 *   browsers that predate it); `<base>`: none.
 *
 * `Strict-Transport-Security` only on https (RFC 6797 §7.2: a browser
 * ignores it over plain http), as `lib/http/request_origin.ts` decides: behind a
 * TLS-terminating proxy with `TRUST_PROXY` set, the browser's https counts.
 *
 * JSON answers (`/api/live`, `/api/notify-me`) are never rendered as a
 * document, so the page's policy and its companions have nothing to govern
 * there. They carry what still matters for a JSON body: `nosniff`, so it is
 * never read as script or HTML, and `default-src 'none'; frame-ancestors
 * 'none'`, should one be opened or framed anyway. Each header costs the
 * server on every request: on the token route, the page's four headers
 * instead of these two took ~20 % of its throughput (README, Performance).
 */
import type { BrowserClientOptions } from "../contract/mod.ts";
import { isSecureRequest, type ProxyOptions } from "./request_origin.ts";

/** The hosts ably-js 2.x reaches with its default options: the primary `main.realtime.ably.net`, the `*.fallback.ably-realtime.com` fallbacks and connectivity checks, and the older `*.ably.io` names. */
const ABLY_DEFAULT_SOURCES = [
  "https://*.ably.net",
  "wss://*.ably.net",
  "https://*.ably-realtime.com",
  "wss://*.ably-realtime.com",
  "https://*.ably.io",
  "wss://*.ably.io",
];

/** Two years, the value browsers' preload lists ask for. */
const HSTS = "max-age=63072000; includeSubDomains";

/**
 * Where the browser's Ably client connects, as CSP sources: the endpoint
 * with both schemes the SDK uses on it (WebSocket for realtime, HTTP for
 * REST and fallback checks), or Ably's own hosts.
 *
 * @example
 * ```ts
 * ablySources({ endpoint: "127.0.0.1", port: 9000, tls: false });
 * // ["ws://127.0.0.1:9000", "http://127.0.0.1:9000"]
 * ```
 */
export function ablySources(options: BrowserClientOptions): string[] {
  if (!options.endpoint) return ABLY_DEFAULT_SOURCES;
  const tls = options.tls !== false;
  const port = tls ? options.tlsPort : options.port;
  const host =
    options.endpoint.includes(":") && !options.endpoint.startsWith("[")
      ? `[${options.endpoint}]`
      : options.endpoint;
  const authority = port ? `${host}:${port}` : host;
  return tls
    ? [`wss://${authority}`, `https://${authority}`]
    : [`ws://${authority}`, `http://${authority}`];
}

/**
 * The Content-Security-Policy for pages whose island talks to Ably as
 * `ably` says.
 */
export function contentSecurityPolicy(ably: BrowserClientOptions): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    `connect-src 'self' ${ablySources(ably).join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join("; ");
}

/** Every security header but HSTS, for a given Ably endpoint. */
export function securityHeaders(
  ably: BrowserClientOptions,
): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(ably),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
  };
}

/** The security headers of a JSON response, whatever the Ably endpoint. */
export const JSON_SECURITY_HEADERS: Readonly<Record<string, string>> = Object
  .freeze({
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
  });

const JSON_HEADERS = Object.entries(JSON_SECURITY_HEADERS);

/** The headers for one request and Ably endpoint; computed once per endpoint. */
const cache = new WeakMap<BrowserClientOptions, [string, string][]>();

function isJson(response: Response): boolean {
  return response.headers.get("content-type")?.startsWith("application/json") ??
    false;
}

/**
 * `response` with the security headers set (HSTS when `request` came over
 * https, `proxy` saying whether a proxy's word counts): the page's set, or
 * the JSON set for a JSON body. Headers of a response that cannot be changed
 * (`Response.redirect`, a `fetch` result) are copied into a new response.
 */
export function withSecurityHeaders(
  request: Request,
  response: Response,
  ably: BrowserClientOptions,
  proxy: ProxyOptions,
): Response {
  let headers = isJson(response) ? JSON_HEADERS : cache.get(ably);
  if (!headers) {
    cache.set(ably, headers = Object.entries(securityHeaders(ably)));
  }
  const secure = isSecureRequest(request, proxy);
  try {
    set(response.headers, headers, secure);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(response.body, response);
    set(copy.headers, headers, secure);
    return copy;
  }
}

function set(target: Headers, headers: [string, string][], secure: boolean) {
  for (const [name, value] of headers) target.set(name, value);
  if (secure) target.set("strict-transport-security", HSTS);
}
