/**
 * Users as the server knows them, for names it shows and logins it invites:
 *
 * - `["users", userId]` → `{ id, login, name, provider }`
 * - `["users_by_login", provider, login]` → userId
 *
 * The sign-in callback calls `saveUser` on every sign-in, so the name a
 * message carries and the login an owner invites are the provider's latest.
 * A login is unique per provider at any moment but can change hands (GitHub
 * lets a renamed login be taken by someone else): the most recent sign-in
 * owns it. Logins are compared case-insensitively, as GitHub does.
 * The session's own copy of the user is `lib/auth/sessions.ts`.
 */

/** What `["users", userId]` holds. */
export interface UserRecord {
  /** `<provider>:<subject>`; Ably's clientId. */
  id: string;
  /** The provider's handle, as the provider spells it. */
  login: string;
  /** The display name shown beside messages and presence. */
  name: string;
  /** `github`, `oidc` or `embedded`. */
  provider: string;
}

/** Ids per `displayNames` call: a bound on what one request can make the server read. */
export const MAX_NAME_LOOKUP = 100;

export function userKey(userId: string): Deno.KvKey {
  return ["users", userId];
}

export function loginKey(provider: string, login: string): Deno.KvKey {
  return ["users_by_login", provider, login.toLowerCase()];
}

/**
 * Stores (or refreshes) `user` and its login index in one atomic step: a
 * changed login drops the old index entry if it still points here, and the
 * new entry points here even if another user held it before.
 *
 * @example
 * ```ts
 * declare const kv: Deno.Kv;
 * await saveUser(kv, {
 *   id: "github:42",
 *   login: "alice",
 *   name: "Alice",
 *   provider: "github",
 * });
 * ```
 */
export async function saveUser(
  kv: Deno.Kv,
  user: UserRecord,
): Promise<void> {
  const record: UserRecord = {
    id: user.id,
    login: user.login,
    name: user.name,
    provider: user.provider,
  };
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await kv.get<UserRecord>(userKey(record.id));
    const newLogin = await kv.get<string>(
      loginKey(record.provider, record.login),
    );
    const op = kv.atomic().check(current).check(newLogin)
      .set(userKey(record.id), record)
      .set(loginKey(record.provider, record.login), record.id);
    const old = current.value;
    if (
      old && (old.provider !== record.provider ||
        old.login.toLowerCase() !== record.login.toLowerCase())
    ) {
      const oldLogin = await kv.get<string>(loginKey(old.provider, old.login));
      op.check(oldLogin);
      if (oldLogin.value === record.id) {
        op.delete(loginKey(old.provider, old.login));
      }
    }
    if ((await op.commit()).ok) return;
  }
  throw new Error("saveUser: too many concurrent changes");
}

/** The stored user `userId`, or `null`. */
export async function getUserRecord(
  kv: Deno.Kv,
  userId: string,
): Promise<UserRecord | null> {
  return (await kv.get<UserRecord>(userKey(userId))).value;
}

/** The id of the user who holds `login` at `provider` now, or `null`. */
export async function findUserIdByLogin(
  kv: Deno.Kv,
  provider: string,
  login: string,
): Promise<string | null> {
  if (typeof login !== "string" || login === "" || login.length > 100) {
    return null;
  }
  return (await kv.get<string>(loginKey(provider, login))).value;
}

/**
 * The display names of `userIds` (e.g. the clientIds of a room's presence
 * members), as a map; unknown ids are left out. At most `MAX_NAME_LOOKUP`
 * distinct ids are looked up; the rest are ignored.
 *
 * @example
 * ```ts
 * declare const kv: Deno.Kv;
 * await displayNames(kv, ["github:42", "github:7"]); // { "github:42": "Alice" }
 * ```
 */
export async function displayNames(
  kv: Deno.Kv,
  userIds: readonly string[],
): Promise<Record<string, string>> {
  const ids = [
    ...new Set(
      userIds.filter((id) =>
        typeof id === "string" && id.length > 0 && id.length <= 300
      ),
    ),
  ].slice(0, MAX_NAME_LOOKUP);
  const names: Record<string, string> = {};
  // `getMany` takes at most 10 keys.
  for (let i = 0; i < ids.length; i += 10) {
    const entries = await kv.getMany<UserRecord[]>(
      ids.slice(i, i + 10).map(userKey),
    );
    for (const entry of entries) {
      if (entry.value) names[entry.value.id] = entry.value.name;
    }
  }
  return names;
}
