/**
 * The identifiers of rooms and messages: how they are made and how input is
 * checked before it becomes part of a KV key or a channel name.
 *
 * - Room ids: 16 characters of lowercase base32 (`a-z`, `2-7`) from 80 random
 *   bits, or the fixed `lobby`. Safe in a URL path and in an Ably channel name
 *   (no `:`, no `*`, so `room:<id>` can never become a wildcard resource).
 * - Message ids: 26 characters, ULID-shaped (10 of time in ms, 16 of
 *   randomness, Crockford base32), so KV's lexicographic key order is the
 *   order of posting. Monotonic within a process: two posts in the same
 *   millisecond still sort in the order they were made.
 * - Client message ids: what a browser chooses for one send, so that a retry
 *   of the same send is stored once.
 *
 * Checks run BEFORE any KV read: a malformed id never reaches the store.
 */

/** The one public room that always exists; not stored in KV. */
export const LOBBY_ID = "lobby";

const ROOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const ROOM_ID = /^[a-z2-7]{16}$/;
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const MESSAGE_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const CLIENT_MESSAGE_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * A fresh room id.
 *
 * @example
 * ```ts
 * isRoomId(newRoomId()); // true
 * ```
 */
export function newRoomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // 32 divides 256: every character is equally likely.
  return Array.from(bytes, (b) => ROOM_ALPHABET[b & 31]).join("");
}

/**
 * Whether `value` is a room id the app could have made (or `lobby`).
 *
 * @example
 * ```ts
 * isRoomId("lobby"); // true
 * isRoomId("room:*"); // false
 * ```
 */
export function isRoomId(value: unknown): value is string {
  return typeof value === "string" &&
    (value === LOBBY_ID || ROOM_ID.test(value));
}

/** Whether `value` is a message id made by `newMessageId`. */
export function isMessageId(value: unknown): value is string {
  return typeof value === "string" && MESSAGE_ID.test(value);
}

/** Whether `value` is an acceptable client message id: 8–64 of `[A-Za-z0-9_-]`. */
export function isClientMessageId(value: unknown): value is string {
  return typeof value === "string" && CLIENT_MESSAGE_ID.test(value);
}

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A fresh message id whose order is the order of calls in this process
 * (and, across processes, the order of their clocks).
 *
 * @example
 * ```ts
 * const a = newMessageId(), b = newMessageId();
 * a < b; // true
 * ```
 */
export function newMessageId(now: number = Date.now()): string {
  if (now <= lastTime) {
    // Same (or an earlier, after a clock step back) millisecond: keep the
    // last time and count the random part up, so ids still increase.
    increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = Array.from(
      crypto.getRandomValues(new Uint8Array(16)),
      (b) => b & 31,
    );
    // Leaves room to count up within one millisecond without overflowing.
    lastRandom[0] &= 15;
  }
  let time = "";
  let t = lastTime;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + lastRandom.map((d) => CROCKFORD[d]).join("");
}

/** The epoch ms encoded in a message id. */
export function messageIdTime(id: string): number {
  let t = 0;
  for (const c of id.slice(0, 10)) t = t * 32 + CROCKFORD.indexOf(c);
  return t;
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i] < 31) {
      digits[i]++;
      return;
    }
    digits[i] = 0;
  }
  throw new Error("message id space of this millisecond exhausted");
}
