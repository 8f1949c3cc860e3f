/**
 * Unread counts in Chromium, against the whole app with the embedded
 * emulator and sign-in provider: alice has `/` open on two devices (two
 * browser contexts); bob posts in their room and both count up without a
 * reload; alice opens the room on one and the other clears; and while the
 * room stays open there, what arrives in it is read on every device; after
 * an outage that could not be resumed, `/` shows what its notices missed.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest, launchBrowser } from "./helpers/browser.ts";
import {
  ablyOutage,
  person,
  roomState,
  seen,
  send,
  startLiveApp,
  step,
} from "./live_room_helpers.ts";

/** The badge beside `roomId` on `/`, once it reads `count` (hidden at 0). */
async function badge(page: Page, roomId: string, count: number) {
  const locator = page.locator(`li[data-room="${roomId}"] .unread`);
  await page.waitForFunction(
    ([selector, n]) => {
      const el = document.querySelector<HTMLElement>(selector as string);
      return el?.dataset.count === String(n) && el.hidden === (n === 0);
    },
    [`li[data-room="${roomId}"] .unread`, count],
    { timeout: 5_000 },
  );
  if (count > 0) {
    assert.equal(await locator.textContent(), String(count));
    assert.equal(await locator.getAttribute("aria-label"), `${count} unread`);
  }
}

browserTest("unread counts in a browser", async (t) => {
  const browser = await launchBrowser();
  try {
    await step(
      t,
      "bob posts twice: both of alice's / count 2 live; opening the room on one clears the other",
      async () => {
        await using app = await startLiveApp();
        const bob = await person(browser, app, "bob");
        const phone = await person(browser, app, "alice");
        const laptop = await person(browser, app, "alice");

        // bob makes a private room and invites alice, who joins on her phone.
        await bob.page.fill("#room-name", "Plans");
        await bob.page.check('input[name="private"]');
        await bob.page.click('.create-room button[type="submit"]');
        await bob.page.waitForURL(/\/rooms\/[a-z2-7]{16}$/);
        const path = new URL(bob.page.url()).pathname;
        const id = path.split("/").pop()!;
        await bob.page.fill("#invite-login", "alice");
        await bob.page.click('.invite button[type="submit"]');
        const invitation = phone.page.locator(
          `.invitation-list li[data-room="${id}"]`,
        );
        await invitation.getByRole("button", { name: "Join" }).click();
        await phone.page.waitForURL(app.url + path);
        for (const alice of [phone, laptop]) {
          await alice.page.goto(app.url + "/");
          await roomState(alice.page, "connected");
          await badge(alice.page, id, 0);
        }

        await roomState(bob.page, "connected");
        const loads: string[] = [];
        laptop.page.on("load", () => loads.push(laptop.page.url()));
        await send(bob.page, "one");
        await seen(bob.page, "one");
        await send(bob.page, "two");
        await seen(bob.page, "two");
        await badge(phone.page, id, 2);
        await badge(laptop.page, id, 2);

        await phone.page.click(`li[data-room="${id}"] a`);
        await phone.page.waitForURL(app.url + path);
        await badge(laptop.page, id, 0);
        assert.deepEqual(loads, [], "the laptop's / was not reloaded");

        // The room stays open on the phone: what bob posts now is read
        // there, so the laptop counts it up and then clears it.
        await roomState(phone.page, "connected");
        await send(bob.page, "three");
        await seen(phone.page, "three");
        await badge(laptop.page, id, 1);
        await badge(laptop.page, id, 0);
        await laptop.page.reload();
        await badge(laptop.page, id, 0);
        for (const who of [bob, phone, laptop]) {
          assert.deepEqual(who.errors, []);
          await who.context.close();
        }
      },
    );

    await step(
      t,
      "after an outage that could not be resumed, bob's / shows the invitation and the count whose notices it never got",
      async () => {
        await using app = await startLiveApp();
        await using outage = ablyOutage(app);
        const alice = await person(browser, app, "alice");
        const bob = await person(browser, app, "bob");
        // bob is a member of alice's room, and has `/` open.
        const made = await alice.page.evaluate(async () => {
          const make = async (name: string) =>
            (await (await fetch("/api/rooms", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ name, private: true }),
            })).json()).id as string;
          return [await make("Plans"), await make("Review")];
        });
        const [member, invited] = made;
        await alice.page.evaluate(async (roomId) => {
          await fetch(`/api/rooms/${roomId}/members`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ login: "bob" }),
          });
        }, member);
        await bob.page.evaluate(async (roomId) => {
          await fetch(`/api/invitations/${roomId}`, { method: "POST" });
        }, member);
        await bob.page.reload();
        await roomState(bob.page, "connected");
        await badge(bob.page, member, 0);

        // Ably goes away; meanwhile alice posts in the room and invites
        // bob to another. Their notices are lost (the outbox jobs that
        // would send them are dropped), as a notice sent while bob was
        // away is lost to him on a connection that cannot resume.
        await outage.stop();
        await roomState(bob.page, "disconnected");
        await alice.page.evaluate(async ([member, invited]) => {
          await fetch(`/api/rooms/${member}/messages`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "while away", id: "while-away-1" }),
          });
          await fetch(`/api/rooms/${invited}/members`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ login: "bob" }),
          });
        }, [member, invited]);
        const kv = app.services.kv;
        for await (const job of kv.list({ prefix: ["outbox"] })) {
          await kv.delete(job.key);
        }
        assert.equal(
          await bob.page.locator(
            `.invitation-list li[data-room="${invited}"]`,
          ).count(),
          0,
        );

        await outage.restart();
        await roomState(bob.page, "connected", 15_000);
        await bob.page.locator(`.invitation-list li[data-room="${invited}"]`)
          .waitFor({ timeout: 5_000 });
        await badge(bob.page, member, 1);
        for (const who of [alice, bob]) await who.context.close();
      },
    );
  } finally {
    await browser.close();
  }
});
