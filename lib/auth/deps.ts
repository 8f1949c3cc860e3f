/**
 * What every step of the sign-in works with (`AuthDeps`), built once by
 * `createAuth` (`auth.ts`) from its options, and the two hooks the app
 * plugs in there: `onSignIn` and `onSessionEnd`.
 */
import type { Provider } from "./providers.ts";
import type { SessionStore } from "./sessions.ts";
import type { User } from "./user.ts";

/**
 * Work that must follow a sign-in before the session exists (the app saves
 * the user's record, whose login an owner invites by and whose name messages
 * and presence show). A throw fails the sign-in.
 */
export type SignInHook = (user: User) => Promise<void>;

/**
 * Work that must follow a sign-out (revoking the user's Ably tokens): it is
 * added to the same `kv.atomic()` that deletes the session, so the two
 * commit together, and may return an attempt to run at once after the
 * commit. The attempt must not throw and should be quick; what it does not
 * finish, the scheduled part does later.
 */
export type SessionEndHook = (
  op: Deno.AtomicOperation,
  user: User,
) => (() => Promise<void>) | void;

/** The steps' shared dependencies. */
export interface AuthDeps {
  /** Holds the pending sign-ins and, through `sessions`, the sessions. */
  kv: Deno.Kv;
  /** The provider signed in with. */
  provider: Provider;
  /** The KV sessions, with this instance's cache. */
  sessions: SessionStore;
  /** The session cookie's lifetime, as the sessions'. */
  sessionTtlSeconds: number;
  /** The clock. */
  now: () => number;
  /** Whether forwarding headers decide scheme and host (`lib/http/`). */
  trustProxy: boolean;
  /** Follows every end of a session; see `SessionEndHook`. */
  onSessionEnd: SessionEndHook | undefined;
  /** Follows every sign-in; see `SignInHook`. */
  onSignIn: SignInHook | undefined;
}
