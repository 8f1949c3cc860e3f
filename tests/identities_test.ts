/**
 * Identities that cannot be borrowed, through the app with two real
 * sign-ins at the embedded provider: its names are case-sensitive and
 * exact, so "carol" and "CAROL" are two people, and an owner who invites one
 * never reaches the other (`lib/rooms/users.ts`, `HANDLES`).
 */
import assert from "node:assert/strict";
import type { Answer } from "./rooms_helpers.ts";
import { withRooms } from "./rooms_helpers.ts";

/** Who an invitation went to, as the members route answers. */
function inviteeOf(answer: Answer): string {
  assert.equal(answer.status, 201, answer.text);
  return answer.json.userId ?? answer.json.invitation?.userId;
}

Deno.test('"carol" and "CAROL" signed in: each name invites exactly its own holder; neither reads the other\'s room', async () => {
  await withRooms({}, async (f) => {
    const alice = await f.signedIn("alice");
    const carol = await f.signedIn("carol");
    // Signed in last: under "latest sign-in wins, any case" it took "carol".
    const upper = await f.signedIn("CAROL");
    const rooms: Record<string, string> = {};
    for (const login of ["carol", "CAROL"]) {
      const created = await f.api(alice, "POST", "/api/rooms", {
        name: `For ${login}`,
        private: true,
      });
      assert.equal(created.status, 201, created.text);
      rooms[login] = created.json.id;
      const invited = await f.api(
        alice,
        "POST",
        `/api/rooms/${rooms[login]}/members`,
        { login },
      );
      assert.equal(inviteeOf(invited), `embedded:${login}`);
    }
    const other = await f.api(
      alice,
      "POST",
      `/api/rooms/${rooms.carol}/members`,
      {
        login: "Carol",
      },
    );
    assert.equal(other.status, 404, "no case folding at the embedded provider");
    assert.deepEqual(other.json, {
      error: "Nobody with that login has signed in here yet.",
    });
    const read = (jar: typeof alice, login: string) =>
      f.api(jar, "GET", `/api/rooms/${rooms[login]}/messages`);
    assert.equal((await read(upper, "carol")).status, 403);
    assert.equal((await read(carol, "CAROL")).status, 403);
  });
});
