/**
 * "POST to another member's screen": the latency a member sees, over HTTP
 * through the whole app (`tests/live_room_helpers.ts`: the real manifest,
 * the embedded emulator and provider, KV in memory), on loopback.
 *
 * alice posts to `POST /api/rooms/lobby/messages` (KV commit with its outbox
 * job, then the inline REST publish, then the answer); bob — an `ably` SDK
 * realtime client authenticated through `GET /api/live?room=lobby`, as the
 * island is — receives it. One message at a time, so each figure is the
 * latency of an idle system:
 *
 * - `answer`: from the POST's start to its 201;
 * - `screen`: from the POST's start to bob's receipt;
 * - `edit`: the same two for a `PATCH` of that message (its next version).
 *
 * With `--members N`, alice posts instead in a private room of hers with N
 * members (bob and N − 1 others, each invited and joined): what a post costs
 * once the room's other members hear of it for their unread counts (one
 * batch publish to their own channels) and the sender's own read marker is
 * raised. The lobby has neither.
 *
 * Results go to `bench/results/rooms_post.json` (with `--members`,
 * `rooms_post_members.json`); read, not asserted.
 *
 * Run: `deno task bench:rooms:post [-- --messages 300] [--members 10]`.
 */
import * as Ably from "ably";
import { emulatorClientOptions } from "../lib/emulator/mod.ts";
import { CookieJar, walkSignIn } from "../tests/auth_helpers.ts";
import { startLiveApp } from "../tests/live_room_helpers.ts";
import { numberArgs } from "./args.ts";

const args = numberArgs();
const MESSAGES = args.get("messages") ?? 300;
const WARMUP = 20;
const MEMBERS = args.get("members") ?? 0;
const OUT = new URL(
  MEMBERS ? "./results/rooms_post_members.json" : "./results/rooms_post.json",
  import.meta.url,
);

await using app = await startLiveApp({ MESSAGE_RATE_LIMIT_PER_MIN: "0" });

async function signedIn(login: string): Promise<CookieJar> {
  const jar = new CookieJar();
  await walkSignIn(jar, `${app.url}/auth/signin`, {
    login,
    stopAt: (u) => u.origin === app.url && !u.pathname.startsWith("/auth/"),
  });
  return jar;
}

const [alice, bob] = await Promise.all([signedIn("alice"), signedIn("bob")]);
const cookie = (jar: CookieJar, path: string) => jar.header(app.url + path)!;

/** `jar`'s JSON call to the API, as the island makes it. */
async function call(jar: CookieJar, method: string, path: string, body = {}) {
  const res = await fetch(app.url + path, {
    method,
    headers: {
      cookie: cookie(jar, path),
      origin: app.url,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}`);
  return await res.json();
}

let roomId = "lobby";
if (MEMBERS) {
  roomId = (await call(alice, "POST", "/api/rooms", {
    name: "Bench",
    private: true,
  })).id;
  for (let n = 0; n < MEMBERS; n++) {
    const member = n === 0 ? bob : await signedIn(`member${n}`);
    await call(alice, "POST", `/api/rooms/${roomId}/members`, {
      login: n === 0 ? "bob" : `member${n}`,
    });
    await call(member, "POST", `/api/invitations/${roomId}`);
  }
}

const client = new Ably.Realtime({
  ...emulatorClientOptions(app.services.ably.emulator!.url),
  useBinaryProtocol: false,
  logLevel: 0,
  authCallback: (_params, callback) => {
    fetch(`${app.url}/api/live?room=${roomId}`, {
      headers: { cookie: cookie(bob, "/api/live") },
    }).then((r) => r.json()).then(
      (body) => callback(null, body.token),
      (error) => callback(String(error), null),
    );
  },
});
const channel = client.channels.get(`room:${roomId}`);
await channel.attach();
const waiting = new Map<string, (at: number) => void>();
await channel.subscribe("message", (m) => {
  waiting.get(m.data.text)?.(performance.now());
});

const answers: number[] = [];
const screens: number[] = [];
const editAnswers: number[] = [];
const editScreens: number[] = [];
const path = `/api/rooms/${roomId}/messages`;

/** Sends `body` with `method` to `url` as alice; the answer's JSON and the times it took. */
async function timed(
  method: string,
  url: string,
  body: unknown,
  text: string,
  status: number,
): Promise<
  { json: { message: { id: string } }; answer: number; screen: number }
> {
  const received = new Promise<number>((resolve) => waiting.set(text, resolve));
  const t0 = performance.now();
  const res = await fetch(app.url + url, {
    method,
    headers: {
      cookie: cookie(alice, url),
      origin: app.url,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  const answered = performance.now();
  if (res.status !== status) {
    throw new Error(`${method} answered ${res.status}`);
  }
  const seen = await received;
  waiting.delete(text);
  return { json, answer: answered - t0, screen: seen - t0 };
}

for (let i = 0; i < WARMUP + MESSAGES; i++) {
  const post = await timed(
    "POST",
    path,
    {
      text: `bench ${i}`,
      id: `bench-post-${i}`,
    },
    `bench ${i}`,
    201,
  );
  // The same message edited: the change's way to the screen.
  const edit = await timed(
    "PATCH",
    `${path}/${post.json.message.id}`,
    { text: `edited ${i}` },
    `edited ${i}`,
    200,
  );
  if (i >= WARMUP) {
    answers.push(post.answer);
    screens.push(post.screen);
    editAnswers.push(edit.answer);
    editScreens.push(edit.screen);
  }
}
client.close();

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const round = (n: number) => Math.round(n * 10) / 10;
const summary = (values: number[]) => ({
  median: round(quantile(values, 0.5)),
  p99: round(quantile(values, 0.99)),
  max: round(Math.max(...values)),
});
const results = {
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  messages: MESSAGES,
  room: MEMBERS ? `private, ${MEMBERS} members besides the sender` : "lobby",
  answerMs: summary(answers),
  screenMs: summary(screens),
  edit: { answerMs: summary(editAnswers), screenMs: summary(editScreens) },
};
await Deno.writeTextFile(OUT, JSON.stringify(results, null, 2) + "\n");
console.log(JSON.stringify(results, null, 2));
