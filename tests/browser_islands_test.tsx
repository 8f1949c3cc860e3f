import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { createHandler, type PageProps } from "$fresh/server.ts";
import * as Clicker from "./fixtures/app/islands/Clicker.tsx";
import * as Greeter from "./fixtures/app/islands/Greeter.tsx";
import { browserTest, serveApp, withBrowser } from "./helpers/browser.ts";

const manifest = {
  routes: {
    "./routes/_app.tsx": {
      default: ({ Component }: PageProps) => (
        <html>
          <head>
            <link rel="icon" href="data:," />
          </head>
          <body>
            <Component />
          </body>
        </html>
      ),
    },
    "./routes/index.tsx": {
      default: (_props: PageProps) => {
        const n = signal(0);
        return (
          <main>
            <p id="before">before</p>
            <Clicker.default n={n} label="first" />
            <p id="between">between</p>
            <Clicker.default n={n} label="second" />
            <Greeter.default name={signal("Ada")}>
              <em id="child">kept child</em>
              <Greeter.Shout text="inner" />
            </Greeter.default>
            <p id="after">after</p>
          </main>
        );
      },
    },
  },
  islands: {
    "./islands/Clicker.tsx": Clicker,
    "./islands/Greeter.tsx": Greeter,
  },
  baseUrl: new URL("./fixtures/app/fresh.gen.ts", import.meta.url).href,
};

browserTest(
  "islands sharing a signal update together and keep page order",
  async () => {
    await using app = serveApp(await createHandler(manifest));
    await withBrowser(async ({ page, errors }) => {
      await page.goto(app.url + "/", { waitUntil: "networkidle" });
      await page.getByRole("button", { name: "first" }).click();
      await page.getByRole("button", { name: "second" }).click();
      await page.waitForFunction(() =>
        [...document.querySelectorAll(".n")].every((e) => e.textContent === "2")
      );
      const order = await page.evaluate(() =>
        [...document.querySelectorAll("main > *")].map((e) =>
          e.id || e.className || e.textContent
        )
      );
      assert.deepEqual(order, [
        "before",
        "first",
        "n",
        "between",
        "second",
        "n",
        "greeter",
        "after",
      ]);
      assert.equal(await page.locator("#child").textContent(), "kept child");
      assert.equal(await page.locator("strong").textContent(), "INNER");
      assert.deepEqual(errors, []);
    });
  },
);
