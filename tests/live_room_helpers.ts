/**
 * The whole app for browser tests of the live room, built as `main.ts`
 * builds it (`startTestApp`: the project's `fresh.config.ts` and
 * `fresh.gen.ts`, a `:memory:` KV), served on a loopback port. With no Ably settings
 * in `env` the embedded emulator runs; sign-in goes through the embedded
 * provider's form, as a person would.
 *
 * Used by `live_room_browser_test.ts` and `bench/page_bench.ts`.
 */
import type { BrowserContext, Page } from "playwright-core";
import type { Services } from "../lib/app/services.ts";
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
