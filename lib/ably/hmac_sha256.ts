/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256), synchronous, for the
 * signing token modes: `request` (TokenRequest MAC, RSA9g) and `jwt` (HS256).
 * The `token` mode signs nothing here. Ably, or `lib/emulator/` locally,
 * recomputes the same MAC with the same key secret.
 *
 * Why not WebCrypto: `crypto.subtle.sign` runs on a worker thread, and the
 * hand-off costs ~40 µs of latency per call, more than the whole token route
 * may spend (`bench/tokens_bench.ts`: this path served ~2x the requests of
 * WebCrypto or the SDK under load). An HMAC key is fixed, so its two pad blocks
 * are hashed once at import; each signature then costs the message's blocks
 * plus one. The tests check every output against WebCrypto.
 */

/** SHA-256 states after the key's inner and outer pad blocks (RFC 2104 §2). */
export interface HmacSha256Key {
  readonly inner: Uint32Array;
  readonly outer: Uint32Array;
}

const BLOCK_BYTES = 64;

/**
 * FIPS 180-4 §4.2.2 and §5.3.3: the first 32 bits of the fractional parts of
 * the cube roots (round constants) and square roots (initial state) of the
 * first primes, derived rather than transcribed.
 */
const K = new Uint32Array(64);
const INITIAL_STATE = new Uint32Array(8);
{
  const primes: number[] = [];
  for (let n = 2; primes.length < 64; n++) {
    if (primes.every((p) => n % p !== 0)) primes.push(n);
  }
  const fraction32 = (x: number) => ((x - Math.floor(x)) * 2 ** 32) >>> 0;
  primes.forEach((p, i) => K[i] = fraction32(Math.cbrt(p)));
  for (let i = 0; i < 8; i++) {
    INITIAL_STATE[i] = fraction32(Math.sqrt(primes[i]));
  }
}

const schedule = new Uint32Array(64);

/** FIPS 180-4 §6.2.2: folds one 64-byte block at `offset` into `state`. */
function compress(state: Uint32Array, bytes: Uint8Array, offset: number) {
  const w = schedule;
  for (let t = 0; t < 16; t++) {
    const j = offset + t * 4;
    w[t] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) |
      bytes[j + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15], y = w[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^
      (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let a = state[0], b = state[1], c = state[2], d = state[3];
  let e = state[4], f = state[5], g = state[6], h = state[7];
  for (let t = 0; t < 64; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^
      ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^
      ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

/**
 * Hashes `bytes[0, length)` on from `start` (a state that has already
 * absorbed `prefixBytes`), padding in place (FIPS 180-4 §5.1.1): `bytes`
 * needs `length + 72` bytes of room.
 */
function finish(
  start: Uint32Array,
  prefixBytes: number,
  bytes: Uint8Array,
  length: number,
): Uint8Array {
  let n = length;
  bytes[n++] = 0x80;
  while (n % BLOCK_BYTES !== 56) bytes[n++] = 0;
  const bits = (prefixBytes + length) * 8;
  const high = Math.floor(bits / 2 ** 32), low = bits >>> 0;
  for (let i = 3; i >= 0; i--) bytes[n++] = (high >>> (i * 8)) & 0xff;
  for (let i = 3; i >= 0; i--) bytes[n++] = (low >>> (i * 8)) & 0xff;
  const state = Uint32Array.from(start);
  for (let offset = 0; offset < n; offset += BLOCK_BYTES) {
    compress(state, bytes, offset);
  }
  const digest = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    digest[i * 4] = state[i] >>> 24;
    digest[i * 4 + 1] = state[i] >>> 16;
    digest[i * 4 + 2] = state[i] >>> 8;
    digest[i * 4 + 3] = state[i];
  }
  return digest;
}

/** A key's inner and outer pad blocks, hashed once (RFC 2104 §2, §3). */
export function importHmacSha256Key(secret: Uint8Array): HmacSha256Key {
  let key = secret;
  if (key.length > BLOCK_BYTES) {
    // RFC 2104 §3: a key longer than a block is replaced by its hash.
    const room = new Uint8Array(key.length + 72);
    room.set(key);
    key = finish(INITIAL_STATE, 0, room, key.length);
  }
  const pad = (byte: number) => {
    const block = new Uint8Array(BLOCK_BYTES).fill(byte);
    for (let i = 0; i < key.length; i++) block[i] ^= key[i];
    const state = Uint32Array.from(INITIAL_STATE);
    compress(state, block, 0);
    return state;
  };
  return { inner: pad(0x36), outer: pad(0x5c) };
}

const encoder = new TextEncoder();
let message = new Uint8Array(1024);
const outerMessage = new Uint8Array(BLOCK_BYTES);

/**
 * HMAC-SHA256 of the UTF-8 bytes of `text`. Synchronous, so the shared
 * scratch buffers are never used by two calls at once.
 *
 * @example
 * ```ts
 * const key = importHmacSha256Key(new TextEncoder().encode("secret"));
 * hmacSha256(key, "text").toBase64();
 * ```
 */
export function hmacSha256(key: HmacSha256Key, text: string): Uint8Array {
  if (message.length < text.length * 3 + 72) {
    message = new Uint8Array(text.length * 3 + 72);
  }
  const { written } = encoder.encodeInto(text, message);
  const innerDigest = finish(key.inner, BLOCK_BYTES, message, written);
  outerMessage.set(innerDigest);
  return finish(key.outer, BLOCK_BYTES, outerMessage, innerDigest.length);
}
