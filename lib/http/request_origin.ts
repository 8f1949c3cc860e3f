/**
 * Where a request was addressed and where it came from, as the browser saw
 * it: the one answer to "is this https?", "what is our origin?", "is this
 * request from our own pages?" and "which client is this?". Cookies
 * (`__Host-` and `Secure`), HSTS, the OAuth `redirect_uri`, the Origin check
 * of state-changing POSTs and the sign-in rate limit all ask here.
 *
 * With `trustProxy` off (the default, `TRUST_PROXY`), the answer is the
 * request itself: its URL (scheme, `Host`) and the connection's address.
 * Forwarding headers are ignored: any client can write them.
 *
 * With `trustProxy` on, the app sits behind a proxy of its own that
 * terminates TLS, and that proxy's headers decide:
 *
 * - `Forwarded` (RFC 7239 §4), when present and well formed, else
 *   `X-Forwarded-Proto`, `X-Forwarded-Host`, `X-Forwarded-For` (the de facto
 *   forms of the same three facts);
 * - of a list, the right-most element: each proxy appends what it saw
 *   (RFC 7239 §4, §5.2), so everything to its left was written by the client
 *   or by hops we do not know, and only the last one was written by our own
 *   proxy. The proxy must append to (or overwrite) the family of headers it
 *   sets, and drop the other family, or a client could supply it;
 * - each value is validated: `proto` is `http` or `https` (RFC 7239 §5.4),
 *   `host` a host and optional port (RFC 7239 §5.3, RFC 9110 §7.2), `for` an
 *   IP address (RFC 7239 §5.2, §6). A malformed header or value is ignored,
 *   as if absent, and the request's own value is used: never an exception.
 */
import { formatIpAddress, parseIpAddress } from "../platform/mod.ts";

/** Whether forwarding headers are believed (`TRUST_PROXY`). */
export interface ProxyOptions {
  trustProxy: boolean;
}

/** The origin the browser addressed. */
export interface RequestOrigin {
  scheme: "http" | "https";
  /** Host and port as in a URL's `host`: lower case, default port dropped. */
  host: string;
  /** `scheme://host`, as a browser sends it in `Origin` (RFC 6454 §6.1). */
  origin: string;
  /** `scheme === "https"`: cookies get `Secure` and `__Host-`, HSTS is sent. */
  secure: boolean;
}

/** Longest forwarding header read at all; a proxy chain writes far less. */
const MAX_HEADER = 4096;

/**
 * The origin the browser addressed.
 *
 * @example
 * ```ts
 * const req = new Request("http://10.0.0.5:8000/", {
 *   headers: { forwarded: "for=203.0.113.9;proto=https;host=live.example" },
 * });
 * requestOrigin(req, { trustProxy: true }).origin; // "https://live.example"
 * requestOrigin(req, { trustProxy: false }).origin; // "http://10.0.0.5:8000"
 * ```
 */
export function requestOrigin(
  req: Request,
  { trustProxy }: ProxyOptions,
): RequestOrigin {
  const url = new URL(req.url);
  let scheme = url.protocol === "https:" ? "https" as const : "http" as const;
  let host = url.host;
  if (trustProxy) {
    const forwarded = forwardedFacts(req);
    scheme = forwarded.proto ?? scheme;
    if (forwarded.host !== undefined) host = forwarded.host;
  }
  // The host was validated, and `URL` gives it its canonical form.
  const origin = new URL(`${scheme}://${host}`);
  return {
    scheme,
    host: origin.host,
    origin: origin.origin,
    secure: scheme === "https",
  };
}

/**
 * Whether the request reached us over https, as the browser sees it; the
 * cheap form of `requestOrigin(req, options).secure` for every response.
 */
export function isSecureRequest(req: Request, options: ProxyOptions): boolean {
  if (!options.trustProxy) return req.url.startsWith("https:");
  return requestOrigin(req, options).secure;
}

/**
 * Whether a state-changing request comes from our own pages: its `Origin`
 * (RFC 6454 §7; sent by browsers on every POST) is exactly our origin. A
 * missing, `null` or foreign Origin is refused.
 */
export function isSameOrigin(req: Request, options: ProxyOptions): boolean {
  const origin = req.headers.get("origin");
  return origin !== null && origin === requestOrigin(req, options).origin;
}

/**
 * The client's address: the connection's, or under `trustProxy` the address
 * our proxy says it saw (right-most `for=` of `Forwarded`, else right-most
 * `X-Forwarded-For`), in canonical form. Falls back to the connection's when
 * the proxy's is missing, `unknown`, obfuscated or malformed.
 */
export function clientAddress(
  req: Request,
  remoteAddr: { hostname: string },
  { trustProxy }: ProxyOptions,
): string {
  if (trustProxy) {
    const forwarded = forwardedFacts(req).for;
    if (forwarded !== undefined) return forwarded;
  }
  return remoteAddr.hostname;
}

/** What the proxy says, each fact validated; `undefined` when not said (well). */
interface ForwardedFacts {
  proto?: "http" | "https";
  host?: string;
  for?: string;
}

function forwardedFacts(req: Request): ForwardedFacts {
  const header = req.headers.get("forwarded");
  if (header !== null) {
    const elements = parseForwarded(header);
    if (elements !== null && elements.length > 0) {
      const last = elements[elements.length - 1];
      return {
        proto: proto(last.get("proto")),
        host: validHost(last.get("host")),
        for: node(last.get("for")),
      };
    }
  }
  return {
    proto: proto(lastListItem(req.headers.get("x-forwarded-proto"))),
    host: validHost(lastListItem(req.headers.get("x-forwarded-host"))),
    for: node(lastListItem(req.headers.get("x-forwarded-for"))),
  };
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The elements of a `Forwarded` header (RFC 7239 §4), each a map of
 * lower-cased parameter names to values (quoted strings unquoted), or `null`
 * if the header does not follow the grammar, is oversized, or names a
 * parameter twice in one element (RFC 7239 §4: "MUST NOT occur more than
 * once").
 *
 * @example
 * ```ts
 * parseForwarded('for="[2001:db8::1]:4711";proto=https, for=192.0.2.60');
 * // [Map { "for" => "[2001:db8::1]:4711", "proto" => "https" }, Map { "for" => "192.0.2.60" }]
 * ```
 */
export function parseForwarded(
  header: string,
): Map<string, string>[] | null {
  if (header.length > MAX_HEADER) return null;
  const elements: Map<string, string>[] = [];
  let element = new Map<string, string>();
  let i = 0;
  const skipSpace = () => {
    while (header[i] === " " || header[i] === "\t") i++;
  };
  while (true) {
    skipSpace();
    // An empty pair or element (`;;`, `,,`) is allowed by the grammar.
    if (header[i] !== ";" && header[i] !== "," && i < header.length) {
      const eq = header.indexOf("=", i);
      if (eq === -1) return null;
      const name = header.slice(i, eq).toLowerCase();
      if (!TOKEN.test(name) || element.has(name)) return null;
      i = eq + 1;
      let value: string;
      if (header[i] === '"') {
        value = "";
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === "\\") i++;
          const char = header[i];
          if (char === undefined || char < " " && char !== "\t") return null;
          value += char;
          i++;
        }
        if (header[i] !== '"') return null;
        i++;
      } else {
        // Strictly a token; proxies also write `host=a.example:8443` and
        // `for=[::1]` bare, which is read too: every value is validated for
        // what it must be afterwards anyway.
        const start = i;
        while (i < header.length && !';, \t"'.includes(header[i])) i++;
        value = header.slice(start, i);
        // deno-lint-ignore no-control-regex -- control characters make the header malformed
        if (value === "" || /[\u0000-\u001f\u007f]/.test(value)) return null;
      }
      element.set(name, value);
      skipSpace();
    }
    if (i >= header.length) break;
    if (header[i] === ";") {
      i++;
    } else if (header[i] === ",") {
      if (element.size > 0) elements.push(element);
      element = new Map();
      i++;
    } else {
      return null;
    }
  }
  if (element.size > 0) elements.push(element);
  return elements;
}

/** The right-most item of a comma-separated header, trimmed. */
function lastListItem(header: string | null): string | undefined {
  if (header === null || header.length > MAX_HEADER) return undefined;
  const items = header.split(",");
  const last = items[items.length - 1].trim();
  return last === "" ? undefined : last;
}

/** RFC 7239 §5.4: a URI scheme; we serve only these two. */
function proto(value: string | undefined): "http" | "https" | undefined {
  const lower = value?.toLowerCase();
  return lower === "http" || lower === "https" ? lower : undefined;
}

const REG_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * RFC 7239 §5.3 / RFC 9110 §7.2: `uri-host [":" port]`. Accepted: a DNS
 * name, an IPv4 address or a bracketed IPv6 address, and a port of 1 to
 * 65535; returned in URL form (lower case, default port dropped later).
 */
function validHost(value: string | undefined): string | undefined {
  if (value === undefined || value.length > 260) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return undefined;
  const [, name, port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) {
    return undefined;
  }
  if (name.startsWith("[")) {
    const ip = parseIpAddress(name.slice(1, -1));
    if (ip?.version !== 6 || name.includes("%")) return undefined;
  } else if (!REG_NAME.test(name)) {
    return undefined;
  }
  try {
    return new URL(`https://${value}`).host;
  } catch {
    return undefined;
  }
}

/**
 * RFC 7239 §6: `nodename [":" node-port]`, of which only an IP address is
 * of use (`unknown` and obfuscated `_names` are not addresses). IPv6 is
 * bracketed in `Forwarded`; `X-Forwarded-For` writes it bare.
 */
function node(value: string | undefined): string | undefined {
  if (value === undefined || value.length > 100) return undefined;
  let address = value;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) address = bracketed[1];
  else if (/^[\d.]+:\d{1,5}$/.test(value)) address = value.split(":")[0];
  const ip = parseIpAddress(address);
  return ip ? formatIpAddress(ip) : undefined;
}
