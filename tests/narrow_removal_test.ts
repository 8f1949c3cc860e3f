/**
 * Removal costs the removed user only that room (`lib/rooms/revocation.ts`):
 * bob, connected to rooms A and B with the real SDK against the embedded
 * emulator, is removed from A. In `jwt` mode A's connection is cut within
 * 2 s while B's never changes state; in `request` mode A ends as well and B
 * comes back attached with a fresh token. An owner cycling invite/remove
 * against one victim is refused with 429 early while the victim's other
 * room stays connected, and removals of one target in quick succession
 * cost Ably fewer revokeTokens calls than removals.
 */
import assert from "node:assert/strict";
import * as Ably from "ably";
import { emulatorClientOptions } from "../lib/emulator/mod.ts";
import { closeClient, delay, waitFor } from "../lib/emulator/test_helpers.ts";
import { listJobs } from "../lib/outbox/mod.ts";
import type { CookieJar } from "./auth_helpers.ts";
import { type RoomsFixture, withRooms } from "./rooms_helpers.ts";

const NO_LIVE_LIMIT = { LIVE_RATE_LIMIT_PER_MIN: "0" };
const NO_LIMITS = {
  ...NO_LIVE_LIMIT,
  MEMBER_CHANGE_RATE_LIMIT_PER_MIN: "0",
  INVITE_TARGET_RATE_LIMIT_PER_MIN: "0",
};

/**
 * Makes `login` a member of `roomId`: the one place that knows how a member
 * is added, so that a change to invitations changes this alone.
 */
/**
 * The owner invites `login`; with `invitee` given, the invitee joins too
 * (an invite alone makes no member). Answers the last call.
 */
async function addMember(
  f: RoomsFixture,
  owner: CookieJar,
  roomId: string,
  login: string,
  invitee?: CookieJar,
) {
  const invited = await f.api(owner, "POST", `/api/rooms/${roomId}/members`, {
    login,
  });
  if (!invitee || invited.status !== 201) return invited;
  return await f.api(invitee, "POST", `/api/invitations/${roomId}`);
}

function removeMember(
  f: RoomsFixture,
  owner: CookieJar,
  roomId: string,
  userId: string,
) {
  return f.api(owner, "DELETE", `/api/rooms/${roomId}/members/${userId}`);
}

async function privateRoom(f: RoomsFixture, owner: CookieJar, name: string) {
  const created = await f.api(owner, "POST", "/api/rooms", {
    name,
    private: true,
  });
  assert.equal(created.status, 201, created.text);
  return created.json.id as string;
}

/** A page of room `roomId` as `jar`: the SDK, renewing through `/api/live?room=`. */
interface Page {
  client: Ably.Realtime;
  channel: Ably.RealtimeChannel;
  /** Every connection and channel state since `watch()`. */
  changes: string[];
  /** Statuses `/api/live` answered, in order. */
  answers: number[];
  watch(): void;
  attached(): boolean;
}

async function openPage(
  f: RoomsFixture,
  jar: CookieJar,
  roomId: string,
): Promise<Page> {
  const answers: number[] = [];
  const client = new Ably.Realtime({
    ...emulatorClientOptions(f.app.services.ably.emulator!.url),
    authCallback: async (_params, callback) => {
      const answer = await f.api(jar, "GET", `/api/live?room=${roomId}`);
      answers.push(answer.status);
      if (answer.status !== 200) {
        callback(
          new Ably.ErrorInfo(`token route: ${answer.status}`, 40170, 401),
          null,
        );
        return;
      }
      callback(null, answer.json.token);
    },
  });
  const channel = client.channels.get(`room:${roomId}`);
  await channel.attach();
  const changes: string[] = [];
  let watching = false;
  client.connection.on((c) =>
    watching &&
    changes.push(`connection:${c.current}/${c.reason?.code ?? ""}`)
  );
  channel.on((c) => watching && changes.push(`channel:${c.current}`));
  return {
    client,
    channel,
    changes,
    answers,
    watch: () => watching = true,
    attached: () =>
      client.connection.state === "connected" && channel.state === "attached",
  };
}

/** Counts the revokeTokens calls the app's REST client makes, and their targets. */
function countRevocations(f: RoomsFixture): string[] {
  const targets: string[] = [];
  const auth = f.app.services.ably.tokens.rest.auth;
  const original = auth.revokeTokens.bind(auth);
  auth.revokeTokens = (specifiers, options) => {
    for (const s of specifiers) targets.push(`${s.type}:${s.value}`);
    return original(specifiers, options);
  };
  return targets;
}

async function bobInTwoRooms(f: RoomsFixture) {
  const [alice, bob] = await Promise.all(
    ["alice", "bob"].map((login) => f.signedIn(login)),
  );
  const a = await privateRoom(f, alice, "A");
  const b = await privateRoom(f, alice, "B");
  for (const id of [a, b]) {
    assert.equal((await addMember(f, alice, id, "bob", bob)).status, 200);
  }
  const pageA = await openPage(f, bob, a);
  const pageB = await openPage(f, bob, b);
  return { alice, bob, a, b, pageA, pageB };
}

/**
 * Bob on pages of rooms A and B; alice removes him from A, and A's page is
 * cut within 2 s. Then `check` looks at what followed; the pages close after.
 */
async function removeBobFromA(
  f: RoomsFixture,
  check: (seen: {
    a: string;
    pageA: Page;
    pageB: Page;
    revoked: string[];
  }) => Promise<void>,
) {
  const revoked = countRevocations(f);
  const { alice, a, pageA, pageB } = await bobInTwoRooms(f);
  try {
    pageB.watch();
    const removedAt = Date.now();
    const removed = await removeMember(f, alice, a, "embedded:bob");
    assert.equal(removed.status, 200, removed.text);
    await waitFor(() => !pageA.attached(), 2_000 - (Date.now() - removedAt));
    await check({ a, pageA, pageB, revoked });
  } finally {
    await closeClient(pageA.client);
    await closeClient(pageB.client);
  }
}

Deno.test("jwt mode: removed from A, bob's page of A is cut within 2 s and his page of B never changes state", async () => {
  await withRooms({ ...NO_LIMITS, ABLY_TOKEN_MODE: "jwt" }, async (f) => {
    await removeBobFromA(f, async ({ a, pageA, pageB, revoked }) => {
      // Past the follow-up (at most 1.75 s after the removal) and then some.
      await delay(2_500);
      assert.deepEqual(pageB.changes, []);
      assert.ok(pageB.attached());
      assert.ok(!pageA.attached());
      assert.ok(pageA.answers.includes(403), `A renewed: ${pageA.answers}`);
      assert.ok(
        revoked.length > 0 &&
          revoked.every((t) => t === `revocationKey:room:${a}:embedded:bob`),
        `targets: ${revoked}`,
      );
    });
  });
});

Deno.test("request mode: removed from A, bob's page of A ends within 2 s and his page of B comes back attached", async () => {
  await withRooms({ ...NO_LIMITS, ABLY_TOKEN_MODE: "request" }, async (f) => {
    await removeBobFromA(f, async ({ pageA, pageB, revoked }) => {
      await delay(2_500);
      await waitFor(() => pageB.attached(), 5_000);
      assert.ok(!pageA.attached());
      assert.ok(pageA.answers.includes(403), `A renewed: ${pageA.answers}`);
      // B was cut too (the clientId is all request mode can name) and
      // renewed: a fresh token from /api/live.
      assert.ok(pageB.answers.filter((s) => s === 200).length >= 2);
      assert.ok(revoked.every((t) => t === "clientId:embedded:bob"));
    });
  });
});

Deno.test("coalescing: ten removals of one member in quick succession cost fewer than ten revokeTokens calls", async () => {
  await withRooms({ ...NO_LIMITS, ABLY_TOKEN_MODE: "jwt" }, async (f) => {
    const [alice, bob] = await Promise.all(
      ["alice", "bob"].map((login) => f.signedIn(login)),
    );
    const a = await privateRoom(f, alice, "A");
    const revoked = countRevocations(f);
    const N = 10;
    for (let i = 0; i < N; i++) {
      assert.equal((await addMember(f, alice, a, "bob", bob)).status, 200);
      assert.equal(
        (await removeMember(f, alice, a, "embedded:bob")).status,
        200,
      );
    }
    // Every follow-up is due and run.
    await delay(2_500);
    const until = Date.now() + 10_000;
    while (
      (await listJobs(f.app.services.kv)).some((e) => e.job.kind === "revoke")
    ) {
      assert.ok(Date.now() < until, "the follow-ups did not run");
      await delay(25);
    }
    console.log(`${N} removals: ${revoked.length} revokeTokens calls`);
    // Two per removal before coalescing (at once and the follow-up).
    assert.ok(revoked.length < N, `${revoked.length} calls`);
  });
});

Deno.test("30 invite/remove cycles against one victim: 429 early, and the victim's other room stays connected", async () => {
  await withRooms({ ...NO_LIVE_LIMIT, ABLY_TOKEN_MODE: "jwt" }, async (f) => {
    const [mallory, bob, carol] = await Promise.all(
      ["mallory", "bob", "carol"].map((login) => f.signedIn(login)),
    );
    const trap = await privateRoom(f, mallory, "Trap");
    const home = await privateRoom(f, carol, "Home");
    assert.equal((await addMember(f, carol, home, "bob", bob)).status, 200);
    const page = await openPage(f, bob, home);
    const samples: boolean[] = [];
    const sampler = setInterval(() => samples.push(page.attached()), 50);
    try {
      page.watch();
      const statuses: number[] = [];
      const started = Date.now();
      for (let i = 0; i < 30 && Date.now() - started < 10_000; i++) {
        // Bob joins each time, as a victim lured back in would.
        const invited = await addMember(f, mallory, trap, "bob", bob);
        const removed = await removeMember(f, mallory, trap, "embedded:bob");
        statuses.push(invited.status, removed.status);
        if (invited.status === 429) {
          assert.ok(invited.headers.get("retry-after"));
        }
      }
      const first429 = statuses.indexOf(429);
      // The per-login limit (5 a minute) refuses the sixth invitation.
      assert.ok(first429 >= 0 && first429 <= 12, `statuses: ${statuses}`);
      await delay(2_500);
      assert.ok(samples.length > 10);
      assert.ok(samples.every(Boolean), "the victim's room was interrupted");
      assert.deepEqual(page.changes, []);
    } finally {
      clearInterval(sampler);
      await closeClient(page.client);
    }
  });
});
