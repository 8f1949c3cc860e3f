/**
 * Creating rooms counts against the user's room changes a minute
 * (`MEMBER_CHANGE_RATE_LIMIT_PER_MIN`), through the API and the home page's
 * form alike, whatever the number of sessions: a loop of creates cannot
 * fill the user's allowance or KV.
 */
import assert from "node:assert/strict";
import { withRooms } from "./rooms_helpers.ts";

Deno.test("room creation is limited per user across sessions, by the API and the form", async () => {
  await withRooms({ MEMBER_CHANGE_RATE_LIMIT_PER_MIN: "3" }, async (f) => {
    const first = await f.signedIn("alice");
    const second = await f.signedIn("alice");
    const create = (jar: typeof first, n: number) =>
      f.api(jar, "POST", "/api/rooms", { name: `Room ${n}`, private: false });
    assert.equal((await create(first, 1)).status, 201);
    assert.equal((await create(second, 2)).status, 201);
    const form = await f.form(first, "/rooms", { name: "Room 3" });
    assert.equal(form.status, 303);
    assert.match(form.headers.get("location") ?? "", /^\/rooms\//);
    const refused = await create(second, 4);
    assert.equal(refused.status, 429, refused.text);
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    const formRefused = await f.form(second, "/rooms", { name: "Room 5" });
    assert.equal(formRefused.headers.get("location"), "/?error=busy");
    const listed = await f.api(first, "GET", "/api/rooms");
    assert.equal(
      listed.json.rooms.filter((r: { name: string }) =>
        r.name.startsWith("Room")
      )
        .length,
      3,
    );
    // Someone else's allowance is their own.
    const bob = await f.signedIn("bob");
    assert.equal((await create(bob, 6)).status, 201);
  });
});
