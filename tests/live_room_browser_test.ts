/**
 * The live room in Chromium, against the whole app with the embedded
 * emulator and sign-in provider (`live_room_helpers.ts`): two people in
 * one room, the page before JavaScript, refusals, text-only rendering, a
 * server notice, token renewal, a session ending in another tab, and an
 * emulator restart.
 *
 * One browser for the file, each scenario in a step of one test: the op and
 * resource sanitizers then judge the whole run, where the browser's own
 * background work would trip them step by step.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  type LiveApp,
  roomState,
  signIn,
  startLiveApp,
} from "./live_room_helpers.ts";
import { browserTest, launchBrowser } from "./helpers/browser.ts";

/** A step of the one test; the test's sanitizers judge it as a whole. */
function step(
  t: Deno.TestContext,
  name: string,
  fn: () => Promise<void>,
): Promise<boolean> {
  return t.step({ name, fn, sanitizeOps: false, sanitizeResources: false });
}

/** Console errors and page errors of every page of `context`, as they come. */
function watchErrors(context: BrowserContext): string[] {
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(String(err)));
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  return errors;
}

/** Sends `text` from the composer with Enter. */
async function send(page: Page, text: string): Promise<void> {
  await page.fill("#room-message", text);
  await page.press("#room-message", "Enter");
}

/** The room's message texts on `page`, in order. */
function texts(page: Page): Promise<string[]> {
  return page.locator(".messages .text").allTextContents();
}

/** Waits until `page` shows a message whose text is exactly `text`. */
async function seen(page: Page, text: string, timeout = 5_000) {
  await page.waitForFunction(
    (t) =>
      [...document.querySelectorAll(".messages .text")].some((el) =>
        el.textContent === t
      ),
    text,
    { timeout },
  );
}

/** Two people signed in, each in a context of their own, both connected. */
async function aliceAndBob(browser: Browser, app: LiveApp) {
  const aliceContext = await browser.newContext();
  const bobContext = await browser.newContext();
  const errors = [...[aliceContext, bobContext].map(watchErrors)];
  const [alice, bob] = await Promise.all([
    signIn(aliceContext, app.url, "alice"),
    signIn(bobContext, app.url, "bob"),
  ]);
  await Promise.all([
    roomState(alice, "connected"),
    roomState(bob, "connected"),
  ]);
  return { alice, bob, aliceContext, bobContext, errors: () => errors.flat() };
}

browserTest("the live room in a browser", async (t) => {
  const browser = await launchBrowser();
  try {
    await step(
      t,
      "signed out: an explanation and Sign in, no token request, no socket",
      async () => {
        await using app = await startLiveApp();
        const context = await browser.newContext();
        const page = await context.newPage();
        const requests: string[] = [];
        const sockets: string[] = [];
        page.on(
          "request",
          (req) => requests.push(new URL(req.url()).pathname),
        );
        page.on("websocket", (ws) => sockets.push(ws.url()));
        await page.goto(app.url + "/", { waitUntil: "networkidle" });
        await page.getByRole("link", { name: "Sign in" }).waitFor();
        assert.equal(await page.locator("script").count(), 0);
        assert.equal(await page.locator(".room").count(), 0);
        assert.ok(!requests.includes("/api/live"), requests.join(" "));
        assert.deepEqual(sockets, []);
        await context.close();
      },
    );

    await step(
      t,
      "alice and bob: presence, a message within 1 s, seen once, history on reload",
      async () => {
        await using app = await startLiveApp();
        const { alice, bob, aliceContext, bobContext, errors } =
          await aliceAndBob(browser, app);
        for (const page of [alice, bob]) {
          for (const name of ["alice", "bob"]) {
            await page.locator(".members li", { hasText: name }).waitFor();
          }
        }

        const t0 = performance.now();
        await send(alice, "hello bob");
        await seen(bob, "hello bob", 1_000);
        const latency = performance.now() - t0;
        console.log(`alice → bob: ${latency.toFixed(0)} ms`);
        assert.ok(latency < 1_000);
        await seen(alice, "hello bob");
        await send(bob, "hi alice");
        await seen(alice, "hi alice");
        // Give a stray echo the time to arrive before counting.
        await alice.waitForTimeout(300);
        assert.deepEqual(await texts(alice), ["hello bob", "hi alice"]);
        assert.deepEqual(await texts(bob), ["hello bob", "hi alice"]);
        assert.equal(
          await alice.locator(".messages li.own .who").first().textContent(),
          "alice",
        );

        // The server renders the last messages into the page itself.
        const html = await (await bob.context().request.get(app.url + "/"))
          .text();
        const list = html.slice(html.indexOf('class="messages"'));
        assert.ok(list.indexOf("hello bob") < list.indexOf("hi alice"));
        assert.match(list, /hello bob/);
        await bob.reload();
        assert.deepEqual(await texts(bob), ["hello bob", "hi alice"]);
        await roomState(bob, "connected");

        assert.deepEqual(errors(), []);
        await aliceContext.close();
        await bobContext.close();
      },
    );
  } finally {
    await browser.close();
  }
});
