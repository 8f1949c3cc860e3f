/**
 * Racing the revocation, as an attacker who is also a signed-in user would:
 * a member asks `/api/live?room=…` in a loop while the owner removes them,
 * and a user asks `/api/live` in a loop while signing out. Requests that
 * read the membership or session before the change commits may sign a
 * token just after it; the follow-up revocation (`lib/rooms/revocation.ts`) must
 * catch every one. Each token obtained is tried with the real SDK once the
 * follow-up is due: none may attach.
 */
import assert from "node:assert/strict";
import {
  COMMIT_ALLOWANCE_MS,
  TOKEN_FRESHNESS_MS,
} from "../lib/rooms/revocation.ts";
import { listJobs } from "../lib/outbox/mod.ts";
import type { CookieJar } from "./auth_helpers.ts";
import { probeCredential } from "./helpers/credential_probe.ts";
import { type RoomsFixture, withRooms } from "./rooms_helpers.ts";

const ROUNDS = 10;
/** Tokens tried per round: the last ones, which raced the change. */
const PER_ROUND = 10;
const FOLLOW_UP_MS = TOKEN_FRESHNESS_MS + COMMIT_ALLOWANCE_MS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Captured {
  token: unknown;
  channel: string;
}

/**
 * Asks `/api/live` at `path` as `jar`, three requests at a time, starts
 * `change` after 20 answers and goes on for 30 answers after it is done;
 * returns the tokens it was given, oldest first. Counted in answers, not
 * time: an answer from a cached session needs no I/O, and loops of those
 * would starve timers.
 */
async function hammerAcross(
  f: RoomsFixture,
  jar: CookieJar,
  path: string,
  channel: string,
  change: () => Promise<void>,
): Promise<Captured[]> {
  const tokens: Captured[] = [];
  let answers = 0;
  let stopAt = Infinity;
  let changed: Promise<void> | undefined;
  const loop = async () => {
    while (answers < stopAt) {
      const answer = await f.api(jar, "GET", path);
      answers++;
      if (answer.status === 200) {
        tokens.push({ token: answer.json.token, channel });
      }
      changed ??= answers >= 20
        ? change().finally(() => stopAt = answers + 30)
        : undefined;
    }
  };
  await Promise.all([loop(), loop(), loop()]);
  await changed;
  return tokens;
}

/** Waits until the follow-up revocations are due and have run (their jobs are gone). */
async function followUpsDone(f: RoomsFixture, lastChangeAt: number) {
  await sleep(Math.max(0, lastChangeAt + FOLLOW_UP_MS - Date.now()));
  const until = Date.now() + 10_000;
  while (
    (await listJobs(f.app.services.kv)).some((e) => e.job.kind === "revoke")
  ) {
    if (Date.now() > until) throw new Error("the follow-ups did not run");
    await sleep(25);
  }
}

async function tryAll(f: RoomsFixture, captured: Captured[]) {
  const url = f.app.services.ably.emulator!.url;
  const escaped = [];
  for (const { token, channel } of captured) {
    const outcome = await probeCredential(url, token, channel);
    if (outcome.attached) escaped.push(channel);
  }
  return escaped;
}

Deno.test("a member asking for tokens while removed: of 100 tokens obtained, none works after the removal", async () => {
  await withRooms({
    LIVE_RATE_LIMIT_PER_MIN: "0",
    // Ten invitations of one login: past the per-login limit.
    INVITE_TARGET_RATE_LIMIT_PER_MIN: "0",
    MEMBER_CHANGE_RATE_LIMIT_PER_MIN: "0",
  }, async (f) => {
    const [alice, bob] = await Promise.all(
      ["alice", "bob"].map((login) => f.signedIn(login)),
    );
    const created = await f.api(alice, "POST", "/api/rooms", {
      name: "Race",
      private: true,
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    const channel = `room:${id}`;
    const tried: Captured[] = [];
    let lastChangeAt = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await f.inviteAndJoin(alice, id, "bob", bob);
      const tokens = await hammerAcross(
        f,
        bob,
        `/api/live?room=${id}`,
        channel,
        async () => {
          const removed = await f.api(
            alice,
            "DELETE",
            `/api/rooms/${id}/members/embedded:bob`,
          );
          assert.equal(removed.status, 200, removed.text);
          lastChangeAt = Date.now();
        },
      );
      assert.ok(tokens.length > 0, "bob was given tokens while a member");
      if (round === 0) {
        // The probe can tell: a token bob was given does open the room
        // while he is a member (invited again for this one look).
        await f.inviteAndJoin(alice, id, "bob", bob);
        const live = await f.api(bob, "GET", `/api/live?room=${id}`);
        const url = f.app.services.ably.emulator!.url;
        assert.equal(
          (await probeCredential(url, live.json.token, channel)).attached,
          true,
        );
        await f.api(alice, "DELETE", `/api/rooms/${id}/members/embedded:bob`);
        lastChangeAt = Date.now();
      }
      tried.push(...tokens.slice(-PER_ROUND));
    }
    await followUpsDone(f, lastChangeAt);
    assert.equal(tried.length, ROUNDS * PER_ROUND);
    assert.deepEqual(await tryAll(f, tried), [], "no token escaped");
  });
});

Deno.test("a user asking for tokens while signing out: of 100 tokens obtained, none works after the sign-out", async () => {
  await withRooms({
    LIVE_RATE_LIMIT_PER_MIN: "0",
    // Ten invitations of one login: past the per-login limit.
    INVITE_TARGET_RATE_LIMIT_PER_MIN: "0",
    MEMBER_CHANGE_RATE_LIMIT_PER_MIN: "0",
  }, async (f) => {
    const tried: Captured[] = [];
    let lastChangeAt = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const carol = await f.signedIn("carol");
      const tokens = await hammerAcross(
        f,
        carol,
        "/api/live",
        "user:embedded:carol",
        async () => {
          const out = await f.api(carol, "POST", "/auth/signout");
          assert.equal(out.status, 303);
          lastChangeAt = Date.now();
        },
      );
      assert.ok(tokens.length > 0, "carol was given tokens while signed in");
      tried.push(...tokens.slice(-PER_ROUND));
    }
    await followUpsDone(f, lastChangeAt);
    assert.equal(tried.length, ROUNDS * PER_ROUND);
    assert.deepEqual(await tryAll(f, tried), [], "no token escaped");
  });
});
