/**
 * Headless Chromium for browser tests, through `playwright-core`.
 *
 * `withBrowser(fn)` launches `/usr/bin/chromium` (or `CHROMIUM_PATH`) with
 * the flags this project's design fixes, runs `fn` with a fresh page, and
 * closes everything in `finally`, so tests pass the resource sanitizer.
 * `browserTest(name, fn)` wraps `Deno.test`: where Chromium is missing the
 * test is reported as ignored, or fails with a clear message when `CI` is
 * set. `serveApp(handler)` serves a handler on a loopback port 0.
 *
 * @example
 * ```ts
 * browserTest("the home page hydrates", async () => {
 *   await using app = serveApp(await createHandler(manifest, config));
 *   await withBrowser(async ({ page }) => {
 *     await page.goto(app.url);
 *   });
 * });
 * ```
 */
import { type Browser, chromium, type Page } from "playwright-core";

/** Where Chromium lives. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ??
  "/usr/bin/chromium";

/**
 * Debian Chromium as root in a sandboxless container, with nothing that
 * reaches for the network by itself (the machine has none); playwright adds
 * headless itself.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** True when the Chromium binary exists. */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

const MISSING =
  `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH.`;

/** Launches Chromium; the caller must `close()` it. */
export async function launchBrowser(): Promise<Browser> {
  if (!hasChromium()) throw new Error(MISSING);
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
}

/** What `withBrowser` hands to its callback. */
export interface BrowserSession {
  /** The browser. */
  browser: Browser;
  /** A page in a fresh context (no cookies, no cache). */
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

/** Runs `fn` with a fresh page and closes the browser afterwards. */
export async function withBrowser<T>(
  fn: (session: BrowserSession) => Promise<T>,
): Promise<T> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const where = msg.location().url;
      errors.push(where ? `${msg.text()} (${where})` : msg.text());
    });
    page.on("pageerror", (err) => errors.push(String(err)));
    return await fn({ browser, page, errors });
  } finally {
    await browser.close();
  }
}

/**
 * `Deno.test` for a browser test: ignored without Chromium, or failing with
 * a clear message when `CI` is set.
 */
export function browserTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  const missing = !hasChromium();
  const inCi = Deno.env.get("CI") !== undefined;
  Deno.test({
    name,
    ignore: missing && !inCi,
    fn: missing ? () => Promise.reject(new Error(MISSING)) : fn,
  });
}

/** A handler served on a loopback port; `await using` shuts it down. */
export interface ServedApp extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The server. */
  server: Deno.HttpServer<Deno.NetAddr>;
}

/** Serves `handler` on 127.0.0.1 at a free port. */
export function serveApp(
  handler: (
    req: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ) => Response | Promise<Response>,
): ServedApp {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    handler,
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    server,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
