/**
 * A room as people expect it, in Chromium against the whole app (embedded
 * emulator and sign-in provider): alice edits and bob's screen shows the new
 * text, marked edited; alice deletes and bob's screen drops the text, and a
 * reload and a paged history agree; bob may touch only his own messages,
 * while alice, the owner, deletes his — from the page with JavaScript and
 * from a plain form without; who is typing shows for the others and never
 * for the typist; an edit and a delete made while Ably is down reach bob's
 * screen when it is back; and all this within the page's JavaScript
 * budget, in bytes as served (gzip).
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
  texts,
} from "./live_room_helpers.ts";

/** alice makes a public room through the home page's form; its path. */
async function createPublicRoom(alice: Page, name: string): Promise<string> {
  await alice.fill("#room-name", name);
  await alice.click('.create-room button[type="submit"]');
  await alice.waitForURL(/\/rooms\/[a-z2-7]{16}$/);
  return new URL(alice.url()).pathname;
}

/** The `li` of the message whose text is `text` on `page`. */
function messageWith(page: Page, text: string) {
  return page.locator(".messages li.message", {
    has: page.locator(".text", { hasText: text }),
  });
}

/** A message's `data-id` on `page`, by its text. */
async function idOf(page: Page, text: string): Promise<string> {
  return (await messageWith(page, text).getAttribute("data-id"))!;
}

/** Waits until the message `id` on `page` reads `text`. */
async function reads(page: Page, id: string, text: string, timeout = 1_000) {
  await page.waitForFunction(
    ([id, text]) =>
      document.querySelector(`li[data-id="${id}"] .text`)?.textContent ===
        text,
    [id, text],
    { timeout },
  );
}

/** The stored messages as `GET …/messages` pages them, from `page`. */
function storedPage(page: Page, roomId: string) {
  return page.evaluate(async (roomId) => {
    const res = await fetch(`/api/rooms/${roomId}/messages?limit=100`);
    return (await res.json()).messages as {
      id: string;
      text: string;
      editedAt?: number;
      deletedAt?: number;
    }[];
  }, roomId);
}

browserTest("a room's messages change as people expect", async (t) => {
  const browser = await launchBrowser();
  try {
    await step(
      t,
      "edit, delete, the owner's moderation with and without JavaScript, who is typing",
      async () => {
        await using app = await startLiveApp();
        const alice = await person(browser, app, "alice");
        const bob = await person(browser, app, "bob");
        const path = await createPublicRoom(alice.page, "Team");
        const roomId = path.split("/").pop()!;
        await bob.page.goto(app.url + path);
        await Promise.all([
          roomState(alice.page, "connected"),
          roomState(bob.page, "connected"),
        ]);

        // alice fixes a typo; bob sees the new text, marked edited.
        await send(alice.page, "helo bob");
        await seen(bob.page, "helo bob", 1_000);
        const typo = await idOf(alice.page, "helo bob");
        await messageWith(alice.page, "helo bob").getByRole("button", {
          name: "Edit",
        }).click();
        await alice.page.fill(
          'input[aria-label="Edited message"]',
          "hello bob",
        );
        await alice.page.getByRole("button", { name: "Save" }).click();
        await reads(bob.page, typo, "hello bob");
        await bob.page.locator(`li[data-id="${typo}"] .edited`).waitFor({
          timeout: 1_000,
        });
        // Bob may neither edit nor delete it: no buttons, and the API says 403.
        assert.equal(
          await bob.page.locator(`li[data-id="${typo}"] .actions`).count(),
          0,
        );
        const refused = await bob.page.evaluate(async (url) => {
          const edit = await fetch(url, {
            method: "PATCH",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "bob was here" }),
          });
          const del = await fetch(url, { method: "DELETE" });
          return [edit.status, del.status];
        }, `/api/rooms/${roomId}/messages/${typo}`);
        assert.deepEqual(refused, [403, 403]);

        // bob types: alice sees it under her composer, bob never sees himself.
        await bob.page.locator("#room-message").pressSequentially("hi al", {
          delay: 50,
        });
        await alice.page.locator(".typing", { hasText: "bob is typing…" })
          .waitFor({ timeout: 2_000 });
        assert.equal(await bob.page.locator(".typing").textContent(), "");
        await bob.page.locator("#room-message").pressSequentially("ice");
        await bob.page.press("#room-message", "Enter");
        await seen(alice.page, "hi alice", 1_000);
        // Sending ends it at once (well before the 5 s of idleness).
        await alice.page.waitForFunction(
          () => document.querySelector(".typing")?.textContent === "",
          null,
          { timeout: 1_500 },
        );

        // alice, the owner, deletes bob's message from her page.
        const bobs = await idOf(alice.page, "hi alice");
        await messageWith(alice.page, "hi alice").getByRole("button", {
          name: "Delete",
        }).click();
        await reads(bob.page, bobs, "Message deleted");
        // ... and her own.
        await messageWith(alice.page, "hello bob").getByRole("button", {
          name: "Delete",
        }).click();
        await reads(bob.page, typo, "Message deleted");

        // Without JavaScript, the owner's Delete is a form that works.
        await send(bob.page, "spam");
        await seen(alice.page, "spam", 1_000);
        const spam = await idOf(alice.page, "spam");
        const plain = await person(browser, app, "alice", {
          javaScriptEnabled: false,
        });
        await plain.page.goto(app.url + path);
        await messageWith(plain.page, "spam").getByRole("button", {
          name: "Delete",
        }).click();
        await plain.page.waitForURL(app.url + path);
        assert.equal(
          await plain.page.locator(`li[data-id="${spam}"] .text`).textContent(),
          "Message deleted",
        );
        await reads(bob.page, spam, "Message deleted");

        // A reload and a paged history agree: no text left of the deleted.
        await bob.page.reload();
        await roomState(bob.page, "connected");
        assert.deepEqual(await texts(bob.page), [
          "Message deleted",
          "Message deleted",
          "Message deleted",
        ]);
        const stored = await storedPage(bob.page, roomId);
        assert.deepEqual(stored.map((m) => m.id), [typo, bobs, spam]);
        for (const m of stored) {
          assert.equal(m.text, "");
          assert.equal(typeof m.deletedAt, "number");
        }
        // Nothing failed but bob's two refused tries.
        assert.deepEqual(
          bob.errors.filter((e) => !e.includes(`/messages/${typo}`)),
          [],
        );
        for (const who of [alice, bob, plain]) {
          if (who !== bob) assert.deepEqual(who.errors, []);
          await who.context.close();
        }
      },
    );

    await step(
      t,
      "an edit and a delete made while Ably is down reach bob's screen, in their final state, when it is back",
      async () => {
        await using app = await startLiveApp();
        await using outage = ablyOutage(app);
        const alice = await person(browser, app, "alice");
        const bob = await person(browser, app, "bob");
        await Promise.all([
          roomState(alice.page, "connected"),
          roomState(bob.page, "connected"),
        ]);
        await send(alice.page, "first draft");
        await send(alice.page, "regrettable");
        await seen(bob.page, "regrettable", 1_000);
        const draft = await idOf(bob.page, "first draft");
        const regret = await idOf(bob.page, "regrettable");

        await outage.stop();
        await roomState(bob.page, "disconnected");
        const answers = await alice.page.evaluate(async ([draft, regret]) => {
          const edit = await fetch(`/api/rooms/lobby/messages/${draft}`, {
            method: "PATCH",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "final draft" }),
          });
          const del = await fetch(`/api/rooms/lobby/messages/${regret}`, {
            method: "DELETE",
          });
          return [edit.status, del.status];
        }, [draft, regret]);
        assert.deepEqual(answers, [200, 200]);

        await outage.restart();
        await roomState(bob.page, "connected", 15_000);
        await reads(bob.page, draft, "final draft", 10_000);
        await reads(bob.page, regret, "Message deleted", 10_000);
        // Each message shows once, in its final state, and stays so.
        await bob.page.waitForTimeout(500);
        assert.deepEqual(await texts(bob.page), [
          "final draft",
          "Message deleted",
        ]);
        for (const who of [alice, bob]) await who.context.close();
      },
    );

    await step(
      t,
      "the room page's JavaScript stays within budget: 10 KB gzip before Ably, 50 KB in all",
      async () => {
        await using app = await startLiveApp();
        const alice = await person(browser, app, "alice");
        const page = await alice.context.newPage();
        const scripts: Promise<{ gzip: number; ably: boolean }>[] = [];
        page.on("response", (res) => {
          if (res.request().resourceType() !== "script") return;
          scripts.push((async () => ({
            gzip: (await res.request().sizes()).responseBodySize,
            ably: (await res.text()).includes("ably-js"),
          }))());
        });
        await alice.page.close();
        await page.goto(app.url + "/");
        await roomState(page, "connected");
        await page.waitForLoadState("networkidle");
        const loaded = await Promise.all(scripts);
        const bytes = (list: { gzip: number }[]) =>
          list.reduce((n, s) => n + s.gzip, 0);
        const beforeAbly = bytes(loaded.filter((s) => !s.ably));
        const total = bytes(loaded);
        assert.ok(loaded.some((s) => s.ably), "the Ably chunk was loaded");
        assert.ok(beforeAbly <= 10_000, `before Ably: ${beforeAbly} B gzip`);
        assert.ok(total <= 50_000, `in all: ${total} B gzip`);
        await alice.context.close();
      },
    );
  } finally {
    await browser.close();
  }
});
