/**
 * The lobby on `/` in Chromium, against the whole app with the embedded
 * emulator and sign-in provider (`live_room_helpers.ts`): two people in
 * one room, messages sent through the server (`POST /api/rooms/lobby/messages`,
 * never an Ably publish from the browser), the page before JavaScript,
 * refusals, text-only rendering, a server notice, token renewal, a session
 * ending in another tab, and an emulator restart. Private rooms, removal
 * and outages during a send: `rooms_browser_test.ts`.
 *
 * One browser for the file, each scenario in a step of one test: the op and
 * resource sanitizers then judge the whole run, where the browser's own
 * background work would trip them step by step.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import {
  type Emulator,
  generateDevKey,
  startEmulator,
} from "../lib/emulator/mod.ts";
import {
  type LiveApp,
  roomState,
  seen,
  send,
  signIn,
  startLiveApp,
  step,
  texts,
  watchErrors,
} from "./live_room_helpers.ts";
import { browserTest, launchBrowser } from "./helpers/browser.ts";

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
      "alice and bob: presence; a message within 1 s, seen once; the page before JS; markup as text; refusals; a notice",
      async () => {
        await using app = await startLiveApp();
        const { alice, bob, aliceContext, bobContext, errors } =
          await aliceAndBob(browser, app);
        for (const page of [alice, bob]) {
          for (const name of ["alice", "bob"]) {
            await page.locator(".members li", { hasText: name }).waitFor();
          }
        }

        const posts: string[] = [];
        alice.on("request", (req) => {
          if (req.method() === "POST") posts.push(new URL(req.url()).pathname);
        });
        const t0 = performance.now();
        await send(alice, "hello bob");
        await seen(bob, "hello bob", 1_000);
        const latency = performance.now() - t0;
        console.log(`alice → bob: ${latency.toFixed(0)} ms`);
        assert.ok(latency < 1_000);
        await seen(alice, "hello bob");
        assert.deepEqual(posts, ["/api/rooms/lobby/messages"]);
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

        // Markup in a message is text: no element, no script, no dialog.
        const dialogs: string[] = [];
        bob.on("dialog", (d) => {
          dialogs.push(d.message());
          d.dismiss();
        });
        const markup =
          `<img src=x onerror="alert('img')"><script>alert('script')</script><b>bold</b>`;
        await send(alice, markup);
        await seen(bob, markup);
        assert.equal(
          await bob.locator(".messages img, .messages b").count(),
          0,
        );
        await bob.reload();
        await seen(bob, markup);
        assert.equal(
          await bob.locator(".messages img, .messages b").count(),
          0,
        );
        await bob.waitForTimeout(200);
        assert.deepEqual(dialogs, []);

        // Refused by the server: blank, and over the limit, each with its
        // reason; the text stays in the composer.
        await send(alice, "   ");
        await alice.getByText("Message is empty.").waitFor();
        await send(alice, "x".repeat(501));
        await alice.getByText("Message is too long: 501 characters").waitFor();
        assert.equal(await alice.inputValue("#room-message"), "x".repeat(501));
        await send(alice, "x".repeat(500));
        await seen(bob, "x".repeat(500));
        await alice.waitForFunction(() =>
          document.getElementById("composer-reason")?.textContent === "" &&
          (document.getElementById("room-message") as HTMLInputElement)
              .value === ""
        );

        // A phone's width: nothing wider than the screen.
        await bob.setViewportSize({ width: 360, height: 740 });
        assert.ok(
          await bob.evaluate(() => document.documentElement.scrollWidth <= 360),
          "the page scrolls sideways at 360 px",
        );

        // The server reaches alice alone on her own channel.
        await alice.getByRole("button", { name: "Send me a notice" }).click();
        await alice.locator(".notice", { hasText: "hello from the server" })
          .waitFor();
        await bob.waitForTimeout(200);
        assert.equal(await bob.locator(".notice").count(), 0);

        // Chromium reports the server's two refusals itself; nothing else.
        const refused =
          "Failed to load resource: the server responded with a status of 400 (Bad Request) (/api/rooms/lobby/messages)";
        assert.deepEqual(errors(), [refused, refused]);
        await aliceContext.close();
        await bobContext.close();
      },
    );

    await step(
      t,
      "5 s tokens: 15 s connected with messages flowing, then a sign-out elsewhere ends the room",
      async () => {
        await using app = await startLiveApp({ ABLY_TOKEN_TTL_MS: "5000" });
        const { alice, bob, aliceContext, bobContext, errors } =
          await aliceAndBob(browser, app);
        const tokenRequests = () => {
          let n = 0;
          bob.on("request", (req) => {
            if (new URL(req.url()).pathname === "/api/live") n++;
          });
          return () => n;
        };
        const bobTokens = tokenRequests();
        // Every state the room shows from now on, as it happens.
        for (const page of [alice, bob]) {
          await page.evaluate(() => {
            const room = document.querySelector<HTMLElement>(".room")!;
            const states: string[] = [];
            (globalThis as Record<string, unknown>).roomStates = states;
            new MutationObserver(() => states.push(room.dataset.state!))
              .observe(room, { attributeFilter: ["data-state"] });
          });
        }
        const start = performance.now();
        for (let i = 1; performance.now() - start < 15_000; i++) {
          await send(i % 2 ? alice : bob, `tick ${i}`);
          await seen(i % 2 ? bob : alice, `tick ${i}`, 1_000);
          await alice.waitForTimeout(1_500);
        }
        assert.ok(bobTokens() >= 3, `bob renewed ${bobTokens()} times`);
        for (const page of [alice, bob]) {
          assert.deepEqual(
            await page.evaluate(() =>
              (globalThis as Record<string, unknown>).roomStates
            ),
            [],
          );
        }

        // Signing out in another tab revokes bob's tokens: his room ends
        // within 2 s, well before its token would have needed renewing.
        const tab = await bobContext.newPage();
        await tab.goto(`${app.url}/auth/signout`);
        const signedOut = performance.now();
        await tab.click('button[type="submit"]');
        await tab.waitForURL(`${app.url}/`);
        await roomState(bob, "signed-out", 2_000);
        console.log(
          `sign-out in another tab to "session ended": ${
            (performance.now() - signedOut).toFixed(0)
          } ms`,
        );
        await bob.getByRole("link", { name: "Sign in again" }).waitFor();
        await alice.locator(".members li", { hasText: "bob" }).waitFor({
          state: "detached",
        });
        // Closed for good: no more token requests.
        const after = bobTokens();
        await bob.waitForTimeout(3_000);
        assert.equal(bobTokens(), after);
        await roomState(alice, "connected");

        // Chromium reports the token route's 401 itself; nothing else.
        assert.deepEqual(errors(), [
          "Failed to load resource: the server responded with a status of 401 (Unauthorized) (/api/live)",
        ]);
        await aliceContext.close();
        await bobContext.close();
      },
    );

    await step(
      t,
      "an emulator apart restarts: the room shows disconnected, reconnects by itself, messages flow",
      async () => {
        const key = generateDevKey();
        let emulator: Emulator = await startEmulator({ port: 0, keys: [key] });
        const { port } = emulator;
        try {
          await using app = await startLiveApp({
            ABLY_API_KEY: key,
            ABLY_ENDPOINT: `http://127.0.0.1:${port}`,
          });
          const { alice, bob, aliceContext, bobContext, errors } =
            await aliceAndBob(browser, app);
          const hosts = new Set<string>();
          for (const context of [aliceContext, bobContext]) {
            context.on("request", (req) => hosts.add(new URL(req.url()).host));
          }
          await send(alice, "before the restart");
          await seen(bob, "before the restart");

          await emulator.close();
          await Promise.all([
            roomState(alice, "disconnected"),
            roomState(bob, "disconnected"),
          ]);
          emulator = await startEmulator({ port, keys: [key] });
          const t0 = performance.now();
          // The island retries a disconnected connection every 5 s or so.
          await Promise.all([
            roomState(alice, "connected", 12_000),
            roomState(bob, "connected", 12_000),
          ]);
          console.log(
            `reconnected ${
              (performance.now() - t0).toFixed(0)
            } ms after the restart`,
          );
          for (const page of [alice, bob]) {
            for (const name of ["alice", "bob"]) {
              await page.locator(".members li", { hasText: name }).waitFor();
            }
          }
          await send(bob, "after the restart");
          await seen(alice, "after the restart", 1_000);
          await send(alice, "and back");
          await seen(bob, "and back", 1_000);

          const appHost = new URL(app.url).host;
          assert.deepEqual(
            [...hosts].filter((h) =>
              h !== appHost && h !== `127.0.0.1:${port}`
            ),
            [],
          );
          // Chromium reports each refused reconnect itself; nothing else.
          const refused = new RegExp(
            `^WebSocket connection to 'ws://127\\.0\\.0\\.1:${port}/.*ERR_CONNECTION_REFUSED`,
          );
          assert.deepEqual(errors().filter((e) => !refused.test(e)), []);
          await aliceContext.close();
          await bobContext.close();
        } finally {
          await emulator.close();
        }
      },
    );
  } finally {
    await browser.close();
  }
});
