/**
 * "N here" beside each room on `/`, through the app in process (real KV,
 * the real SDK entering presence through `/api/live?room=`): people, not
 * tabs, are counted; an empty room says 0; a private room's count shows
 * only to those who see the room; and with Ably hanging the page still
 * renders at once, without counts.
 */
import assert from "node:assert/strict";
import { startEmulator } from "../lib/emulator/mod.ts";
import { closeClient, withTimeout } from "../lib/emulator/test_helpers.ts";
import { OutageProxy } from "./helpers/instances.ts";
import { pageClient, withRooms } from "./rooms_helpers.ts";

/** Each listed room's count as the page shows it; `null` when not shown. */
function countsOn(html: string): Map<string, number | null> {
  const counts = new Map<string, number | null>();
  const items = html.matchAll(
    /<li[^>]*data-room="([^"]+)"[^>]*>([\s\S]*?)<\/li>/g,
  );
  for (const [, room, body] of items) {
    if (body.includes("<form")) continue; // an invitation, not a room
    const shown = /<span class="occupancy" data-count="(\d+)">(\d+) here/
      .exec(body);
    if (shown) assert.equal(shown[1], shown[2]);
    counts.set(room, shown ? Number(shown[1]) : null);
  }
  return counts;
}

Deno.test("/ shows people, not tabs, present in each room: alice's two tabs and bob are 2 here; an empty room is 0 here; carol's private room is neither listed nor counted", async () => {
  await withRooms({}, async (f) => {
    const [alice, bob, carol] = await Promise.all(
      ["alice", "bob", "carol"].map((login) => f.signedIn(login)),
    );
    const room = (await f.api(alice, "POST", "/api/rooms", {
      name: "Busy",
      private: false,
    }))
      .json.id as string;
    const empty = (await f.api(alice, "POST", "/api/rooms", {
      name: "Quiet",
      private: false,
    }))
      .json.id as string;
    const secret = (await f.api(carol, "POST", "/api/rooms", {
      name: "Carol's",
      private: true,
    })).json.id as string;
    const tabs = [
      pageClient(f, alice, room, { useBinaryProtocol: true }),
      pageClient(f, alice, room, { useBinaryProtocol: true }),
      pageClient(f, bob, room, { useBinaryProtocol: true }),
      pageClient(f, carol, secret, { useBinaryProtocol: true }),
    ];
    try {
      await Promise.all(
        tabs.map((t, i) =>
          withTimeout(
            t.channels.get(`room:${i < 3 ? room : secret}`).presence.enter(),
            5_000,
            "enter",
          )
        ),
      );
      const page = await f.page(alice, "/");
      assert.equal(page.status, 200);
      const counts = countsOn(page.text);
      assert.equal(counts.get(room), 2);
      assert.equal(counts.get(empty), 0);
      assert.equal(counts.get("lobby"), 0);
      assert.equal(counts.has(secret), false);
      assert.ok(page.text.includes('data-count="2">2 here'));

      const carols = countsOn((await f.page(carol, "/")).text);
      assert.equal(carols.get(secret), 1);
      assert.equal(carols.get(room), 2);
    } finally {
      await Promise.all(tabs.map(closeClient));
    }
  });
});

Deno.test("with Ably hanging, / still renders 200 within the deadline, the rooms listed without counts", async () => {
  const key = "occupancy.key:occupancysecretoccupancy";
  const emulator = await startEmulator({ keys: [key] });
  try {
    await using proxy = new OutageProxy(Number(new URL(emulator.url).port));
    await withRooms(
      { ABLY_API_KEY: key, ABLY_ENDPOINT: proxy.url },
      async (f) => {
        const alice = await f.signedIn("alice");
        const before = countsOn((await f.page(alice, "/")).text);
        assert.equal(before.get("lobby"), 0, "counts while Ably answers");

        proxy.mode = "hang";
        const started = performance.now();
        const page = await f.page(alice, "/");
        const took = performance.now() - started;
        assert.equal(page.status, 200);
        assert.ok(took < 2_000, `rendered in ${took} ms`);
        const counts = countsOn(page.text);
        assert.equal(counts.get("lobby"), null);
        assert.ok(!page.text.includes('class="occupancy"'));
        proxy.mode = "pass";
      },
    );
  } finally {
    await emulator.close();
  }
});
