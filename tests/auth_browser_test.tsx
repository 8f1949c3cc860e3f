/**
 * Sign-in in a real browser: Chromium goes through the embedded provider's
 * form, comes back signed in, sees its user name, and signs out.
 */
import assert from "node:assert/strict";
import type { Manifest, PageProps } from "$fresh/server.ts";
import type { State } from "../lib/app/state.ts";
import * as $app from "../routes/_app.tsx";
import * as $callback from "../routes/auth/callback.tsx";
import * as $signin from "../routes/auth/signin.ts";
import * as $signout from "../routes/auth/signout.tsx";
import { startTestApp } from "./helpers/app.ts";
import { browserTest, serveApp, withBrowser } from "./helpers/browser.ts";

const manifest: Manifest = {
  routes: {
    "./routes/_app.tsx": $app,
    "./routes/auth/callback.tsx": $callback,
    "./routes/auth/signin.ts": $signin,
    "./routes/auth/signout.tsx": $signout,
    "./routes/index.tsx": {
      default: ({ state }: PageProps<unknown, State>) => (
        <p class="home">home: {state.user?.login ?? "anonymous"}</p>
      ),
    },
  },
  islands: {},
  // The project root, so that `_app`'s stylesheet is served from static/.
  baseUrl: new URL("../fresh.gen.ts", import.meta.url).href,
};

browserTest(
  "a browser signs in as alice through the provider's form and signs out",
  async () => {
    await using test = await startTestApp({}, { manifest });
    const { kv } = test.services;
    {
      await using app = serveApp(test.handler);
      await withBrowser(async ({ page, errors }) => {
        const t0 = performance.now();
        await page.goto(`${app.url}/auth/signin?redirect=/auth/signout`);
        assert.equal(new URL(page.url()).origin, test.idp!.issuer.origin);
        await page.fill('input[name="login"]', "alice");
        await page.click('button[type="submit"]');
        await page.waitForURL(`${app.url}/auth/signout`);
        console.log(
          `browser sign-in: ${(performance.now() - t0).toFixed(0)} ms`,
        );
        assert.equal(await page.locator(".user-login").textContent(), "alice");

        const cookies = await page.context().cookies(app.url);
        const session = cookies.find((c) => c.name === "session");
        assert.ok(session);
        assert.equal(session.httpOnly, true);
        assert.equal(session.sameSite, "Lax");
        assert.equal(session.path, "/");

        await page.click('button[type="submit"]');
        await page.waitForURL(`${app.url}/`);
        assert.equal(await page.textContent(".home"), "home: anonymous");
        const after = await page.context().cookies(app.url);
        assert.equal(after.find((c) => c.name === "session"), undefined);
        let sessions = 0;
        for await (const _ of kv.list({ prefix: ["sessions"] })) sessions++;
        assert.equal(sessions, 0);
        assert.deepEqual(errors, []);
      });
    }
  },
);
