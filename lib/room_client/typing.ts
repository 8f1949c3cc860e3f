/**
 * "Who is typing", carried in Ably presence data (`TypingPresence`): the
 * browser may update its own presence, holds no publish right, and the
 * server stays out of every keystroke.
 *
 * The typist's side (`typingAnnouncer`) turns keystrokes into few presence
 * updates: `typing: true` at the first keystroke and again at most every
 * `REFRESH_MS` while typing goes on, `typing: false` when the message is
 * sent or `IDLE_MS` after the last keystroke. Typing without a pause is
 * thus one update per `REFRESH_MS`, whatever the speed (`bench/typing_bench.ts`
 * measures it). The others' side shows a typist until their `false` — or,
 * should it never come (a tab that died without leaving), `STALE_MS` after
 * their last `true`, longer than a refresh so a live typist never flickers.
 */

/** A typist is shown gone this long after their last keystroke. */
export const IDLE_MS = 5_000;
/** A typist still typing says so again this often. */
export const REFRESH_MS = 3_000;
/** A typist heard of no more is dropped this long after their last update. */
export const STALE_MS = REFRESH_MS + IDLE_MS;

/** A timer's handle, whatever the platform makes it. */
type Timer = ReturnType<typeof setTimeout>;

/** The clock and timers the announcer runs on (the browser's, or a test's). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(id: Timer | undefined): void;
}

/** What the composer calls: each keystroke, and when the message went. */
export interface TypingAnnouncer {
  keystroke(): void;
  sent(): void;
}

/** Announces typing through `announce` (a presence update), throttled as above. */
export function typingAnnouncer(
  announce: (typing: boolean) => void,
  clock: Clock = {
    now: () => Date.now(),
    // Called as methods of `clock`, the browser's timers need their own `this`.
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id),
  },
): TypingAnnouncer {
  /** When `typing: true` was last said; `null` while not typing. */
  let saidAt: number | null = null;
  let idle: Timer | undefined;
  const stop = () => {
    clock.clearTimeout(idle);
    if (saidAt !== null) saidAt = null, announce(false);
  };
  return {
    keystroke() {
      const now = clock.now();
      if (saidAt === null || now - saidAt >= REFRESH_MS) {
        saidAt = now;
        announce(true);
      }
      clock.clearTimeout(idle);
      idle = clock.setTimeout(stop, IDLE_MS);
    },
    sent: stop,
  };
}

/** Whether presence `data` says its member is typing; anything else is no. */
export function isTyping(data: unknown): boolean {
  return (data as { typing?: unknown } | null)?.typing === true;
}
