import assert from "node:assert/strict";
import { IDLE_MS, isTyping, REFRESH_MS, typingAnnouncer } from "./typing.ts";

/** An announcer on a hand-driven clock, and what it announced when. */
function announcerOnClock() {
  let now = 1_000;
  let timer: [at: number, fn: () => void] | null = null;
  const said: [number, boolean][] = [];
  const announcer = typingAnnouncer((typing) => said.push([now, typing]), {
    now: () => now,
    setTimeout: (fn, ms) => {
      timer = [now + ms, fn];
      return 1 as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimeout: () => timer = null,
  });
  const advance = (ms: number) => {
    const until = now + ms;
    while (timer && timer[0] <= until) {
      const [at, fn] = timer;
      timer = null;
      now = at;
      fn();
    }
    now = until;
  };
  return { announcer, said, advance };
}

Deno.test("typing is said at the first keystroke, then at most every refresh", () => {
  const { announcer, said, advance } = announcerOnClock();
  announcer.keystroke();
  for (let i = 0; i < 40; i++) advance(200), announcer.keystroke();
  // 8 s of typing: at 0, 3 s and 6 s.
  assert.deepEqual(said.map(([, t]) => t), [true, true, true]);
  assert.equal(said[1][0] - said[0][0], REFRESH_MS);
});

Deno.test("typing ends 5 s after the last keystroke, or at once when sent", () => {
  const idle = announcerOnClock();
  idle.announcer.keystroke();
  idle.advance(IDLE_MS - 1);
  assert.deepEqual(idle.said.map(([, t]) => t), [true]);
  idle.advance(1);
  assert.deepEqual(idle.said.map(([, t]) => t), [true, false]);

  const sent = announcerOnClock();
  sent.announcer.keystroke();
  sent.advance(500);
  sent.announcer.sent();
  sent.advance(IDLE_MS * 2);
  assert.deepEqual(sent.said.map(([, t]) => t), [true, false]);
  // A send with nothing typed says nothing.
  sent.announcer.sent();
  assert.equal(sent.said.length, 2);
});

Deno.test("only presence data of the exact shape says typing", () => {
  assert.equal(isTyping({ typing: true }), true);
  for (const data of [undefined, null, "typing", { typing: "yes" }, {}]) {
    assert.equal(isTyping(data), false);
  }
});
