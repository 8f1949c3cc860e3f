/**
 * Rooms in Chromium, against the whole app with the embedded emulator and
 * sign-in provider: a private room made and shared through the page's
 * forms, messages both ways, a stranger who cannot tell it exists, a member
 * removed who loses the room within seconds (their tokens are revoked, long
 * before they would expire), a script announcing a forged name in presence
 * shown under its real one, and a message
 * posted while Ably is down that is stored, answered, and shown once when
 * Ably is back.
 *
 * One browser for the file, each scenario a step of one test, as in
 * `live_room_browser_test.ts`.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { emulatorClientOptions } from "../lib/emulator/mod.ts";
import * as Ably from "ably";
import { closeClient } from "../lib/emulator/test_helpers.ts";
import { CookieJar, walkSignIn } from "./auth_helpers.ts";
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

/** alice makes a private room through the home page's form; its path. */
async function createPrivateRoom(alice: Page, name: string): Promise<string> {
  await alice.fill("#room-name", name);
  await alice.check('input[name="private"]');
  await alice.click('.create-room button[type="submit"]');
  await alice.waitForURL(/\/rooms\/[a-z2-7]{16}$/);
  return new URL(alice.url()).pathname;
}

browserTest("rooms in a browser", async (t) => {
  const browser = await launchBrowser();
  try {
    await step(
      t,
      "alice shares a private room with bob; carol cannot tell it exists; bob, removed, loses it within 2 s",
      async () => {
        // Hour-long tokens: only the revocation can end bob's access soon.
        await using app = await startLiveApp({ ABLY_TOKEN_TTL_MS: "3600000" });
        const alice = await person(browser, app, "alice");
        const bob = await person(browser, app, "bob");
        const carol = await person(browser, app, "carol");

        const path = await createPrivateRoom(alice.page, "Plans");
        await roomState(alice.page, "connected");
        await alice.page.locator(".room-name", { hasText: "Plans" }).waitFor();
        // Bob has `/` open, live in the lobby, with no invitation yet.
        await roomState(bob.page, "connected");
        assert.equal(await bob.page.locator(".invitation-list li").count(), 0);
        const loads: string[] = [];
        bob.page.on("load", () => loads.push(bob.page.url()));
        // The members panel: invite by login, a plain form. Bob is invited,
        // not yet a member.
        await alice.page.fill("#invite-login", "bob");
        await alice.page.click('.invite button[type="submit"]');
        await alice.page.locator('.invitee-admin li[data-user="embedded:bob"]')
          .waitFor();
        assert.equal(
          await alice.page.locator('.member-admin li[data-user="embedded:bob"]')
            .count(),
          0,
        );

        // The invitation appears on bob's open `/` without a reload; he
        // joins, and the room opens.
        const id = path.split("/").pop()!;
        const invitation = bob.page.locator(
          `.invitation-list li[data-room="${id}"]`,
        );
        await invitation.waitFor({ timeout: 5_000 });
        assert.match(
          (await invitation.textContent()) ?? "",
          /alice invited you to Plans/,
        );
        assert.deepEqual(loads, [], "bob's page was not reloaded");
        await invitation.getByRole("button", { name: "Join" }).click();
        await bob.page.waitForURL(app.url + path);
        await alice.page.reload();
        await alice.page.locator('.member-admin li[data-user="embedded:bob"]')
          .waitFor();
        await roomState(bob.page, "connected");
        assert.equal(await bob.page.locator(".manage").count(), 0);
        for (const page of [alice.page, bob.page]) {
          for (const name of ["alice", "bob"]) {
            await page.locator(".members li", { hasText: name }).waitFor();
          }
        }

        await send(alice.page, "hello bob");
        await seen(bob.page, "hello bob", 1_000);
        await send(bob.page, "hi alice");
        await seen(alice.page, "hi alice", 1_000);
        await alice.page.waitForTimeout(300);
        for (const page of [alice.page, bob.page]) {
          assert.deepEqual(await texts(page), ["hello bob", "hi alice"]);
        }
        assert.equal(
          await bob.page.locator(".messages li.own .who").textContent(),
          "bob",
        );

        // Carol: the same not-found page as a room that does not exist.
        const stranger = await carol.page.goto(app.url + path);
        assert.equal(stranger?.status(), 404);
        await carol.page.getByText("Page not found").waitFor();
        assert.equal(
          await carol.page.locator(".room-list a", { hasText: "Plans" })
            .count(),
          0,
        );
        const token = await carol.context.request.get(
          `${app.url}/api/live?room=${path.split("/").pop()}`,
        );
        assert.equal(token.status(), 403);
        assert.deepEqual(await token.json(), { error: "Forbidden" });
        await carol.page.goto(app.url + "/");
        assert.equal(
          await carol.page.locator(".room-list a", { hasText: "Plans" })
            .count(),
          0,
        );

        // Alice removes bob; his tokens are revoked, his island asks for a
        // new one and is refused.
        const t0 = performance.now();
        await alice.page.click(
          '.member-admin li[data-user="embedded:bob"] button[type="submit"]',
        );
        await alice.page.locator('.member-admin li[data-user="embedded:bob"]')
          .waitFor({ state: "detached" });
        await roomState(bob.page, "no-access", 2_000);
        console.log(
          `bob lost the room ${
            (performance.now() - t0).toFixed(0)
          } ms after removal`,
        );
        await bob.page.getByText("You no longer have access to this room")
          .waitFor();
        await alice.page.locator(".members li", { hasText: "bob" }).waitFor({
          state: "detached",
          timeout: 20_000,
        });
        // Closed for good: no retry loop on the token route.
        let asked = 0;
        bob.page.on("request", (req) => {
          if (new URL(req.url()).pathname === "/api/live") asked++;
        });
        await bob.page.waitForTimeout(3_000);
        assert.equal(asked, 0);
        await roomState(alice.page, "connected");
        const reloaded = await bob.page.reload();
        assert.equal(reloaded?.status(), 404);

        assert.deepEqual(alice.errors, []);
        // Chromium reports the refusals itself; nothing else went wrong.
        const refusals = [
          "Failed to load resource: the server responded with a status of 403 (Forbidden) (/api/live)",
          `Failed to load resource: the server responded with a status of 404 (Not Found) (${path})`,
        ];
        assert.ok(bob.errors.includes(refusals[0]), bob.errors.join("\n"));
        assert.deepEqual(bob.errors.filter((e) => !refusals.includes(e)), []);
        for (const person of [alice, bob, carol]) await person.context.close();
      },
    );

    await step(
      t,
      "Ably stops during a POST: stored, answered 201, and shown once when Ably is back",
      async () => {
        await using app = await startLiveApp();
        await using outage = ablyOutage(app);
        const alice = await person(browser, app, "alice");
        const bob = await person(browser, app, "bob");
        await Promise.all([
          roomState(alice.page, "connected"),
          roomState(bob.page, "connected"),
        ]);
        await send(alice.page, "before the outage");
        await seen(bob.page, "before the outage");

        await outage.stop();
        await roomState(alice.page, "disconnected");
        // What the island sends, from alice's page while Ably is down.
        const answer = await alice.page.evaluate(async () => {
          const res = await fetch("/api/rooms/lobby/messages", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              text: "during the outage",
              id: "outage-message-1",
            }),
          });
          return { status: res.status, body: await res.json() };
        });
        assert.equal(answer.status, 201);
        assert.equal(answer.body.message.text, "during the outage");

        await outage.restart();
        await Promise.all([
          roomState(alice.page, "connected", 15_000),
          roomState(bob.page, "connected", 15_000),
        ]);
        await seen(bob.page, "during the outage", 10_000);
        // The outbox publishes it too, with the same id: still shown once.
        const kv = app.services.kv;
        const pending = async () => {
          let n = 0;
          for await (const _ of kv.list({ prefix: ["outbox"] })) n++;
          return n;
        };
        const deadline = Date.now() + 30_000;
        while (await pending() > 0 && Date.now() < deadline) {
          await bob.page.waitForTimeout(500);
        }
        assert.equal(await pending(), 0, "the outbox published it");
        await bob.page.waitForTimeout(500);
        for (const page of [alice.page, bob.page]) {
          assert.deepEqual(await texts(page), [
            "before the outage",
            "during the outage",
          ]);
        }
        await send(bob.page, "after the outage");
        await seen(alice.page, "after the outage", 1_000);
        for (const person of [alice, bob]) await person.context.close();
      },
    );

    await step(
      t,
      "Load older pages back; a send whose answer is lost is retried with the same id and shown once",
      async () => {
        await using app = await startLiveApp({
          MESSAGE_RATE_LIMIT_PER_MIN: "0",
        });
        const alice = await person(browser, app, "alice");
        await roomState(alice.page, "connected");
        await alice.page.evaluate(async () => {
          for (let n = 1; n <= 60; n++) {
            await fetch("/api/rooms/lobby/messages", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ text: `m${n}`, id: `older-page-${n}` }),
            });
          }
        });
        await alice.page.reload();
        await roomState(alice.page, "connected");
        assert.equal((await texts(alice.page)).length, 50);
        assert.equal((await texts(alice.page))[0], "m11");
        await alice.page.getByRole("button", { name: "Load older" }).click();
        await seen(alice.page, "m1");
        const all = await texts(alice.page);
        assert.deepEqual(
          all,
          Array.from({ length: 60 }, (_, i) => `m${i + 1}`),
        );
        await alice.page.getByRole("button", { name: "Load older" }).waitFor({
          state: "detached",
        });

        // The first POST reaches the server, but its answer is lost.
        const ids: string[] = [];
        await alice.page.route("**/api/rooms/lobby/messages", async (route) => {
          ids.push(JSON.parse(route.request().postData()!).id);
          if (ids.length === 1) {
            await route.fetch();
            await route.abort("failed");
          } else {
            await route.continue();
          }
        });
        await send(alice.page, "sent once");
        // The send resolves (the composer empties) once the retry is answered.
        await alice.page.waitForFunction(() =>
          (document.getElementById("room-message") as HTMLInputElement)
            .value === ""
        );
        await seen(alice.page, "sent once");
        assert.equal(ids.length, 2);
        assert.equal(ids[0], ids[1]);
        await alice.page.waitForTimeout(300);
        assert.equal(
          (await texts(alice.page)).filter((t) => t === "sent once").length,
          1,
        );
        let stored = 0;
        for await (
          const entry of app.services.kv.list<{ text: string }>({
            prefix: ["messages", "lobby"],
          })
        ) if (entry.value.text === "sent once") stored++;
        assert.equal(stored, 1);
        await alice.context.close();
      },
    );

    await step(
      t,
      "a client announcing a forged name in presence is shown under its real name",
      async () => {
        await using app = await startLiveApp();
        const alice = await person(browser, app, "alice");
        await roomState(alice.page, "connected");
        // mallory is no browser: a script with her session, the `ably` SDK
        // and whatever presence data she likes.
        const jar = new CookieJar();
        await walkSignIn(jar, `${app.url}/auth/signin?redirect=/`, {
          login: "mallory",
        });
        const live = `${app.url}/api/live?room=lobby`;
        const mallory = new Ably.Realtime({
          ...emulatorClientOptions(app.services.ably.emulator!.url),
          authCallback: async (_params, callback) => {
            const res = await fetch(live, {
              headers: { cookie: jar.header(live) ?? "" },
            });
            callback(null, (await res.json()).token);
          },
        });
        try {
          const lobby = mallory.channels.get("room:lobby");
          await lobby.attach();
          await lobby.presence.enter({ name: "The Administrator" });
          await alice.page.locator(".members li", { hasText: "mallory" })
            .waitFor();
          assert.equal(
            await alice.page.getByText("The Administrator").count(),
            0,
          );
        } finally {
          await closeClient(mallory);
        }
        assert.deepEqual(alice.errors, []);
        await alice.context.close();
      },
    );
  } finally {
    await browser.close();
  }
});
