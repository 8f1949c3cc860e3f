/**
 * Test helpers for sign-in without a browser: a cookie jar that behaves like
 * one (cookies belong to a host, not a port, so the app and the embedded
 * provider on 127.0.0.1 share it, as they would in Chromium) and a driver
 * that walks the embedded provider's login form.
 *
 * Used by `lib/auth/auth_test.ts` and the route tests in `tests/`.
 */

interface StoredCookie {
  value: string;
  path: string;
  /** The full `Set-Cookie` line, for attribute checks. */
  raw: string;
}

/** Cookies per host name, sent on matching paths, removed by `Max-Age=0`. */
export class CookieJar {
  readonly #hosts = new Map<string, Map<string, StoredCookie>>();
  /** Every `Set-Cookie` line seen, in order. */
  readonly setCookieLines: string[] = [];

  /** Records the response's `Set-Cookie` lines for `url`'s host. */
  store(url: string | URL, response: Response): void {
    const { hostname, pathname } = new URL(url);
    const cookies = this.#hosts.get(hostname) ?? new Map();
    this.#hosts.set(hostname, cookies);
    for (const line of response.headers.getSetCookie()) {
      this.setCookieLines.push(line);
      const [pair, ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = pathname.replace(/\/[^/]*$/, "") || "/";
      let remove = false;
      for (const attribute of attributes) {
        const [key, val = ""] = attribute.split("=");
        if (key.toLowerCase() === "path") path = val;
        if (key.toLowerCase() === "max-age" && Number(val) <= 0) remove = true;
        if (
          key.toLowerCase() === "expires" && Date.parse(val) <= Date.now()
        ) remove = true;
      }
      if (remove) cookies.delete(name);
      else cookies.set(name, { value, path, raw: line });
    }
  }

  /** The `Cookie` header a browser would send to `url`, or `undefined`. */
  header(url: string | URL): string | undefined {
    const { hostname, pathname } = new URL(url);
    const cookies = this.#hosts.get(hostname);
    if (!cookies) return undefined;
    const pairs = [...cookies].filter(([, c]) =>
      pathname === c.path || pathname.startsWith(c.path.replace(/\/?$/, "/"))
    ).map(([name, c]) => `${name}=${c.value}`);
    return pairs.length ? pairs.join("; ") : undefined;
  }

  /** The stored cookie `name` of `host`. */
  get(host: string, name: string): StoredCookie | undefined {
    return this.#hosts.get(host)?.get(name);
  }
}

/** Anything that answers a `Request`: `fetch`, or a handler called in process. */
export type Send = (request: Request) => Promise<Response>;

/**
 * One request with the jar's cookies, redirects not followed; the body is
 * read into `text` so no stream is left open.
 */
export async function request(
  jar: CookieJar,
  url: string | URL,
  init: RequestInit = {},
  send: Send = fetch,
): Promise<{ response: Response; text: string; url: string }> {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie && !headers.has("cookie")) headers.set("cookie", cookie);
  const response = await send(
    new Request(url, { ...init, headers, redirect: "manual" }),
  );
  jar.store(url, response);
  const text = await response.text();
  return { response, text, url: String(url) };
}

/** Every response of a sign-in, for assertions (status, headers, body text). */
export interface Hop {
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Follows redirects from `start` until the provider's login form, submits
 * `login`, then follows redirects until a response that is not a redirect
 * or that leaves for a URL `stopAt` accepts (e.g. the app's callback, to be
 * sent through a handler instead of the network).
 */
export async function walkSignIn(
  jar: CookieJar,
  start: string | URL,
  options: {
    login?: string;
    /** `true` to click "Cancel" on the form instead of signing in. */
    cancel?: boolean;
    /** Which URLs go through `sendApp` instead of `fetch`. */
    isApp?: (url: URL) => boolean;
    sendApp?: Send;
    /** Stop before requesting a URL this accepts; it is returned as `stoppedAt`. */
    stopAt?: (url: URL) => boolean;
  } = {},
): Promise<{ hops: Hop[]; stoppedAt?: URL }> {
  const hops: Hop[] = [];
  const send = (url: URL): Send =>
    options.isApp?.(url) && options.sendApp ? options.sendApp : fetch;
  let url = new URL(start);
  let init: RequestInit = {};
  for (let i = 0; i < 20; i++) {
    if (options.stopAt?.(url)) return { hops, stoppedAt: url };
    const { response, text } = await request(jar, url, init, send(url));
    hops.push({
      url: url.href,
      status: response.status,
      headers: response.headers,
      text,
    });
    init = {};
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const form = /<form method="post" action="([^"]+)"/.exec(text);
    if (
      response.status === 200 && form &&
      url.pathname.startsWith("/interaction/")
    ) {
      if (options.cancel) {
        url = new URL(`${url.pathname}/abort`, url);
        continue;
      }
      url = new URL(form[1], url);
      init = {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ login: options.login ?? "alice" }),
      };
      continue;
    }
    return { hops };
  }
  throw new Error("too many redirects during sign-in");
}
