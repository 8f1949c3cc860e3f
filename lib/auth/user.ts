/**
 * The signed-in user as the app stores and shows it, built from what a
 * provider says about them.
 *
 * Provider data is input: every string taken from it is checked for type and
 * length and for control characters, and the avatar is kept only when it is
 * an https URL (or http on loopback, for the embedded provider). A subject
 * that fails these checks fails the sign-in; a bad name or avatar is dropped.
 */
import { AuthError } from "./errors.ts";
import { isUsableSubject } from "./subject.ts";

/** A signed-in user, as stored in `["sessions", id]` and put in `ctx.state.user`. */
export interface User {
  /** `<provider>:<subject>`, stable across sign-ins; Ably's `clientId`. */
  id: string;
  /** Which provider vouched for the user: `github`, `oidc` or `embedded`. */
  provider: string;
  /** A short handle: GitHub login, OIDC `preferred_username`, or the subject. */
  login: string;
  /** The display name; the login when the provider has none. */
  name: string;
  /** An https (or loopback http) image URL, or `null`. */
  avatarUrl: string | null;
  /**
   * An email the provider vouches for (`email_verified: true`), present only
   * where it is how an owner finds this user: a generic OIDC provider, whose
   * logins are not unique (OIDC Core §5.7). Personal data: it goes to the
   * user record the invitations search (`onSignIn`), never into the session
   * (`sessionUser`) and never to other users.
   */
  email?: string;
}

/** What a provider module extracts from its provider, unchecked. */
export interface ProviderProfile {
  subject: unknown;
  login?: unknown;
  name?: unknown;
  avatarUrl?: unknown;
  /** A verified email, given only by providers that invite by it (`providers.ts`). */
  email?: unknown;
}

export const LIMITS = {
  subject: 255,
  login: 100,
  name: 200,
  avatarUrl: 2048,
  // RFC 5321 §4.5.3.1.3: a path is at most 256 octets, brackets included.
  email: 254,
} as const;

/**
 * The `User` for a provider's profile.
 *
 * @throws {AuthError} `invalid_user` when the subject is missing or
 * malformed, `unusable_subject` when it cannot be part of a user id
 * (`subject.ts`).
 * @example
 * ```ts
 * toUser("github", { subject: 42, login: "alice", name: null, avatarUrl: "https://a.example/a.png" });
 * // { id: "github:42", provider: "github", login: "alice", name: "alice", avatarUrl: "https://a.example/a.png" }
 * ```
 */
export function toUser(provider: string, profile: ProviderProfile): User {
  const subject = typeof profile.subject === "number" &&
      Number.isSafeInteger(profile.subject)
    ? String(profile.subject)
    : boundedString(profile.subject, LIMITS.subject);
  if (subject === undefined) {
    throw new AuthError("invalid_user", "the provider sent no usable subject");
  }
  if (!isUsableSubject(subject)) {
    throw new AuthError(
      "unusable_subject",
      "the subject cannot be part of a user id",
    );
  }
  const login = boundedString(profile.login, LIMITS.login) ??
    subject.slice(0, LIMITS.login);
  const user: User = {
    id: `${provider}:${subject}`,
    provider,
    login,
    name: boundedString(profile.name, LIMITS.name) ?? login,
    avatarUrl: avatarUrl(profile.avatarUrl),
  };
  const email = emailAddress(profile.email);
  if (email !== undefined) user.email = email;
  return user;
}

/**
 * `user` as the session keeps it: without the email, which only the user
 * record needs (to be found by it), so a session read on every request
 * carries no more personal data than the pages show.
 */
export function sessionUser(user: User): User {
  const { email: _email, ...rest } = user;
  return rest;
}

/** Whether `value` has a `User`'s shape: a guard for records read back from KV. */
export function isUser(value: unknown): value is User {
  if (typeof value !== "object" || value === null) return false;
  const user = value as Record<string, unknown>;
  return typeof user.id === "string" && typeof user.provider === "string" &&
    typeof user.login === "string" && typeof user.name === "string" &&
    (user.avatarUrl === null || typeof user.avatarUrl === "string");
}

function boundedString(value: unknown, max: number): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) return undefined;
  // deno-lint-ignore no-control-regex -- control characters are what we refuse
  if (/[\u0000-\u001f\u007f-\u009f]/.test(trimmed)) return undefined;
  return trimmed;
}

/**
 * One `local@domain` address without spaces; a quoted local part with an `@`
 * (RFC 5321 §4.1.2) is dropped rather than parsed: such a user is then not
 * found by email, which refuses nothing but an invitation.
 */
function emailAddress(value: unknown): string | undefined {
  const raw = boundedString(value, LIMITS.email);
  if (raw === undefined || !/^[^\s@]+@[^\s@]+$/.test(raw)) return undefined;
  return raw;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function avatarUrl(value: unknown): string | null {
  const raw = boundedString(value, LIMITS.avatarUrl);
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.protocol === "https:") return url.href;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return url.href;
  return null;
}
