/**
 * Which provider subjects can become a user id (`<provider>:<subject>`,
 * `user.ts`), checked at sign-in so that an account the app cannot serve is
 * refused with its own page (`unusable_subject`) instead of signing in and
 * failing later. A subject is otherwise the provider's to choose (OIDC Core
 * §2: any case-sensitive string of up to 255 ASCII characters); refused:
 *
 * - `*`: a user id is the Ably `clientId` and names the channel `user:<id>`;
 *   a `*` makes the clientId a wildcard that may act as anyone (Ably spec
 *   RSA7b4, RSA7c) and the channel a wildcard resource, so
 *   `lib/ably/capability.ts` (`assertUserId`) refuses to build either and
 *   `/api/live` could never answer such a user;
 * - `,`: lists of user ids are comma-separated (`GET
 *   /api/rooms/<id>/names?ids=a,b`), so such a user's name could never be
 *   looked up.
 */

/** The characters a subject may not contain, each for the reason above. */
const UNUSABLE = /[*,]/;

/**
 * Whether `subject` (already checked for type, length and control
 * characters) can be part of a user id.
 *
 * @example
 * ```ts
 * isUsableSubject("alice"); // true
 * isUsableSubject("*"); // false
 * ```
 */
export function isUsableSubject(subject: string): boolean {
  return !UNUSABLE.test(subject);
}
