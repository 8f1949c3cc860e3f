/**
 * "Who is typing": what it costs in messages per keystroke, for the ways a
 * browser could tell the room. Runs the island's own announcer
 * (`lib/room_client/typing.ts`) on a simulated clock over typing patterns,
 * and counts the updates it makes:
 *
 * - `presence`: what we ship: a presence update at the first keystroke,
 *   again every `REFRESH_MS` while typing goes on, and a stop; each is one
 *   WebSocket frame up and one presence message to each other member;
 * - `server`: the same announcements carried by the server instead
 *   (`POST` → session and policy reads in KV → REST publish): the same
 *   count, each an HTTP request and a KV round trip more;
 * - `every keystroke`: no throttle, for scale.
 *
 * Results go to `bench/results/typing.json`; read, not asserted.
 *
 * Run: `deno task bench:typing`.
 */
import { typingAnnouncer } from "../lib/room_client/typing.ts";

/** Keystroke times (ms) of a typing pattern. */
type Pattern = { name: string; keys: number[] };

function steady(keysPerSecond: number, seconds: number): number[] {
  const gap = 1000 / keysPerSecond;
  return Array.from({ length: keysPerSecond * seconds }, (_, i) => i * gap);
}

/** Words of 5 keys at 150 ms, a 2 s think every 8 words, for 60 s. */
function bursty(): number[] {
  const keys: number[] = [];
  let t = 0;
  for (let word = 0; t < 60_000; word++) {
    for (let k = 0; k < 5; k++) keys.push(t += 150);
    t += word % 8 === 7 ? 2_000 : 300;
  }
  return keys;
}

const patterns: Pattern[] = [
  { name: "steady 3 keys/s, 60 s", keys: steady(3, 60) },
  { name: "steady 8 keys/s, 60 s", keys: steady(8, 60) },
  { name: "words with pauses, 60 s", keys: bursty() },
  { name: "one short message (12 keys) then send", keys: steady(6, 2) },
];

/** Updates the announcer makes for `keys`, then a send. */
function announcements(keys: number[]): number {
  let now = 0;
  let count = 0;
  const timers = new Map<number, [number, () => void]>();
  let nextId = 1;
  const run = (until: number) => {
    for (;;) {
      const due = [...timers].filter(([, [at]]) => at <= until)
        .sort((a, b) => a[1][0] - b[1][0])[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1][0];
      due[1][1]();
    }
    now = until;
  };
  const announcer = typingAnnouncer(() => count++, {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(nextId, [now + ms, fn]);
      return nextId++ as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimeout: (id) => void timers.delete(id as unknown as number),
  });
  for (const at of keys) {
    run(at);
    announcer.keystroke();
  }
  run(keys[keys.length - 1]);
  announcer.sent();
  return count;
}

const results = patterns.map(({ name, keys }) => {
  const updates = announcements(keys);
  return {
    pattern: name,
    keystrokes: keys.length,
    presenceUpdates: updates,
    /** Presence updates per keystroke; through the server, as many requests. */
    perKeystroke: +(updates / keys.length).toFixed(3),
    unthrottledPerKeystroke: 1,
  };
});
console.table(results.map((r) => ({
  pattern: r.pattern,
  keys: r.keystrokes,
  updates: r.presenceUpdates,
  "per key": r.perKeystroke,
})));
await Deno.writeTextFile(
  new URL("./results/typing.json", import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), results }, null, 2) + "\n",
);
