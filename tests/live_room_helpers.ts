/**
 * The whole app for browser tests of the live room, built as `main.ts`
 * builds it (`startTestApp`: the project's `fresh.config.ts` and
 * `fresh.gen.ts`, a `:memory:` KV), served on a loopback port. With no Ably settings
 * in `env` the embedded emulator runs; sign-in goes through the embedded
 * provider's form, as a person would.
 *
 * Used by `live_room_browser_test.ts` and `bench/page_bench.ts`.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Services } from "../lib/app/services.ts";
import { type Emulator, startEmulator } from "../lib/emulator/mod.ts";
import { startTestApp } from "./helpers/app.ts";
import { serveApp } from "./helpers/browser.ts";

/** A running app; `await using` stops the server, then the services. */
export interface LiveApp extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** What the routes see: KV, the Ably services (and the emulator started for them). */
  services: Services;
}

/**
 * Starts the app with `env` as its environment (`startTestApp`) and serves
 * it on a loopback port. Islands are bundled in memory (as `start` does
 * without `deno task build`), so a stale `_fresh/` cannot hide a change to
 * the island.
 */
export async function startLiveApp(
  env: Record<string, string> = {},
): Promise<LiveApp> {
  const running = await startTestApp(env);
  const app = serveApp(running.handler);
  return {
    url: app.url,
    services: running.services,
    async [Symbol.asyncDispose]() {
      await app.server.shutdown();
      await running.close();
    },
  };
}

/** Signs `login` in through the provider's form in a new page of `context`; the page ends on `/`. */
export async function signIn(
  context: BrowserContext,
  url: string,
  login: string,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/auth/signin?redirect=/`);
  await page.fill('input[name="login"]', login);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${url}/`);
  return page;
}

/** Waits until the room on `page` shows `state` (its `data-state`). */
export async function roomState(
  page: Page,
  state: string,
  timeout = 10_000,
): Promise<void> {
  await page.locator(`.room[data-state="${state}"]`).waitFor({ timeout });
}

/** A step of the one test; the test's sanitizers judge it as a whole. */
export function step(
  t: Deno.TestContext,
  name: string,
  fn: () => Promise<void>,
): Promise<boolean> {
  return t.step({ name, fn, sanitizeOps: false, sanitizeResources: false });
}

/** Console errors and page errors of every page of `context`, as they come. */
export function watchErrors(context: BrowserContext): string[] {
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const where = msg.location().url;
      errors.push(
        where ? `${msg.text()} (${new URL(where).pathname})` : msg.text(),
      );
    });
    page.on("pageerror", (err) => errors.push(String(err)));
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  return errors;
}

/** Sends `text` from the composer with Enter. */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill("#room-message", text);
  await page.press("#room-message", "Enter");
}

/** The room's message texts on `page`, in order. */
export function texts(page: Page): Promise<string[]> {
  return page.locator(".messages .text").allTextContents();
}

/** Waits until `page` shows a message whose text is exactly `text`. */
export async function seen(page: Page, text: string, timeout = 5_000) {
  await page.waitForFunction(
    (t) =>
      [...document.querySelectorAll(".messages .text")].some((el) =>
        el.textContent === t
      ),
    text,
    { timeout },
  );
}

/**
 * `login` signed in, in a browser context of their own (a person, or one of
 * their devices), with the console errors of its pages collected.
 */
export async function person(
  browser: Browser,
  app: LiveApp,
  login: string,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext(options);
  const errors = watchErrors(context);
  const page = await signIn(context, app.url, login);
  return { context, page, errors };
}

/**
 * Ably going away and coming back for `app`: `stop` closes its emulator,
 * `restart` starts a new one on the same port with the same keys, which
 * knows no connection, so none can resume. Disposing closes the new one.
 */
export function ablyOutage(app: LiveApp): {
  stop(): Promise<void>;
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
} {
  const first = app.services.ably.emulator!;
  const { port, keys } = first;
  let restarted: Emulator | undefined;
  return {
    stop: () => first.close(),
    async restart() {
      restarted = await startEmulator({ port, keys });
    },
    async [Symbol.asyncDispose]() {
      await restarted?.close();
    },
  };
}
