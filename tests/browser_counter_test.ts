import assert from "node:assert/strict";
import { createHandler } from "$fresh/server.ts";
import * as $_404 from "../routes/_404.tsx";
import * as $_app from "../routes/_app.tsx";
import * as $about from "../routes/about.tsx";
import * as $index from "./fixtures/counter/routes/index.tsx";
import * as $Counter from "./fixtures/counter/islands/Counter.tsx";
import { browserTest, serveApp, withBrowser } from "./helpers/browser.ts";

// The pages under test, without the app's middleware and services, which
// have tests of their own.
const manifest = {
  routes: {
    "./routes/_404.tsx": $_404,
    "./routes/_app.tsx": $_app,
    "./routes/about.tsx": $about,
    "./routes/index.tsx": $index,
  },
  islands: { "./tests/fixtures/counter/islands/Counter.tsx": $Counter },
  baseUrl: new URL("../fresh.gen.ts", import.meta.url).href,
};

// Bundle in memory, as `start` does without `deno task build`, so a stale
// `_fresh/` in a working tree cannot hide a change to an island.
const FRESH_BUILD = { build: { outDir: "tests/fixtures/no-build" } };

browserTest("the home page counter hydrates and counts on click", async () => {
  await using app = serveApp(await createHandler(manifest, FRESH_BUILD));
  await withBrowser(async ({ page, errors }) => {
    await page.goto(app.url + "/", { waitUntil: "networkidle" });
    const output = page.locator(".counter output");
    assert.equal(await output.textContent(), "3");
    await page.getByRole("button", { name: "Increment" }).click();
    await page.waitForFunction(() =>
      document.querySelector(".counter output")?.textContent === "4"
    );
    await page.getByRole("button", { name: "Decrement" }).click();
    await page.getByRole("button", { name: "Decrement" }).click();
    await page.waitForFunction(() =>
      document.querySelector(".counter output")?.textContent === "2"
    );
    assert.equal(await page.locator(".counter").count(), 1);
    assert.deepEqual(errors, []);
  });
});

browserTest("a page without islands loads no script", async () => {
  await using app = serveApp(await createHandler(manifest, FRESH_BUILD));
  await withBrowser(async ({ page, errors }) => {
    const scripts: string[] = [];
    page.on("request", (req) => {
      if (req.resourceType() === "script") scripts.push(req.url());
    });
    await page.goto(app.url + "/about", { waitUntil: "networkidle" });
    assert.equal(await page.title(), "About · live");
    assert.equal(await page.locator("script").count(), 0);
    assert.deepEqual(scripts, []);
    assert.deepEqual(errors, []);
  });
});
