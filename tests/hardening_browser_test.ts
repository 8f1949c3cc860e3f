/**
 * The app under its Content-Security-Policy in Chromium: the pages load
 * without a refused resource, sign-in through the provider and back works,
 * the live room's island hydrates, fetches its token and connects to the
 * emulator over the WebSocket `connect-src` allows, and sign-out (a form
 * post) lands home. The browser reports every refusal as a
 * `securitypolicyviolation` event; none may occur.
 */
import assert from "node:assert/strict";
import { contentSecurityPolicy } from "../lib/http/security_headers.ts";
import { startInProcessApp } from "./hardening_helpers.ts";
import { browserTest, serveApp, withBrowser } from "./helpers/browser.ts";

browserTest(
  "under the policy pages load, sign-in works, the room connects, nothing is refused",
  async () => {
    await using test = await startInProcessApp();
    const { ably } = test.services;
    await using app = serveApp(test.handler);
    await withBrowser(async ({ page, errors }) => {
      await page.addInitScript(() => {
        const seen: string[] = [];
        Object.assign(globalThis, { __violations: seen });
        document.addEventListener("securitypolicyviolation", (e) => {
          seen.push(`${e.violatedDirective} ${e.blockedURI}`);
        });
      });
      const violations = () =>
        page.evaluate(() =>
          (globalThis as unknown as { __violations: string[] }).__violations
        );
      const sockets: string[] = [];
      page.on("websocket", (ws) => sockets.push(ws.url()));

      for (const path of ["/", "/about", "/no-such-page"]) {
        const response = await page.goto(app.url + path, {
          waitUntil: "networkidle",
        });
        assert.equal(
          response?.headers()["content-security-policy"],
          contentSecurityPolicy(ably.browserOptions),
          path,
        );
        assert.deepEqual(await violations(), [], path);
      }

      await page.goto(`${app.url}/auth/signin?redirect=/`);
      assert.equal(new URL(page.url()).origin, test.idp!.issuer.origin);
      await page.fill('input[name="login"]', "alice");
      await page.click('button[type="submit"]');
      await page.waitForURL(`${app.url}/`);
      await page.locator('.room[data-state="connected"]').waitFor({
        timeout: 10_000,
      });
      assert.ok(
        sockets.some((url) =>
          url.startsWith(`ws://127.0.0.1:${ably.emulator!.port}/`)
        ),
        `the island connected to the emulator: ${sockets}`,
      );
      assert.deepEqual(await violations(), []);

      await page.goto(`${app.url}/auth/signout`);
      assert.equal(await page.locator(".user-login").textContent(), "alice");
      await page.click('form[action="/auth/signout"] button[type="submit"]');
      await page.waitForURL(`${app.url}/`);
      await page.waitForLoadState("networkidle");
      assert.equal(await page.locator(".room").count(), 0);
      assert.deepEqual(await violations(), []);
      // Chromium logs the 404 page's status as a console error; nothing else.
      assert.deepEqual(errors.filter((e) => !e.includes("/no-such-page")), []);
    });
  },
);
