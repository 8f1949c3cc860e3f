/**
 * Small facts about addresses and identifiers the app needs in several
 * places, kept in one spot so the copies cannot drift.
 */

/**
 * The names of this machine in a URL's `hostname`: IPv4 and IPv6 loopback
 * and `localhost`. Plain http, and the embedded provider's and emulator's
 * trust, are allowed to these only.
 */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set([
  "127.0.0.1",
  "localhost",
  "[::1]",
]);

/**
 * Whether `url` points at this machine.
 *
 * @example
 * ```ts
 * isLoopbackUrl(new URL("http://[::1]:8000/")); // true
 * isLoopbackUrl(new URL("http://127.0.0.2/")); // false: only the names above
 * ```
 */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * `bytes` random bytes as unpadded base64url: an unguessable identifier for
 * cookies and keys (32 bytes: 43 characters).
 *
 * @example
 * ```ts
 * randomId(32).length; // 43
 * ```
 */
export function randomId(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
