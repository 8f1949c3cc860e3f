/**
 * Users as the server knows them, for names it shows and people it invites:
 *
 * - `["users", userId]` → `{ id, login, name, provider, email? }`
 * - `["users_by_handle", provider, handle, userId]` → `true`: one claim per
 *   user on the handle an owner finds them by
 *
 * The sign-in callback calls `saveUser` on every sign-in, so the name a
 * message carries and the handle an owner invites by are the provider's
 * latest. A handle is only what the provider guarantees names one person
 * (`HANDLES`, the one table of these rules):
 *
 * | provider   | handle                   | matched                          |
 * | ---------- | ------------------------ | -------------------------------- |
 * | `github`   | the login                | case-insensitively, as GitHub    |
 * | `embedded` | the name (its subject)   | exactly                          |
 * | `oidc`     | the verified email       | exactly, the domain lower-cased  |
 *
 * A generic OIDC provider's `preferred_username` is no handle: OIDC Core
 * §5.7 says it is not unique. Its email is kept (`email`) only when the
 * provider verified it, and only because it is the handle; it is never
 * shown to anyone.
 *
 * Each user claims their handle with a key of their own, so two people
 * claiming one handle (a GitHub login renamed and taken by someone else;
 * two accounts with one verified email) are both on record: the handle is
 * then ambiguous and `findUserIdByLogin` refuses it rather than guess. A
 * claim moves when its user signs in with another handle, so the ambiguity
 * ends when the earlier holder signs in again.
 *
 * `indexUserHandles` rebuilds the claims once from stored records, for the
 * users of the earlier index (`["users_by_login", provider, login]` → id,
 * latest sign-in wins), which it deletes. The session's own copy of the
 * user is `lib/auth/sessions.ts`.
 */
import { getManyInBatches } from "../platform/mod.ts";
import { ChatError } from "./errors.ts";

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
  /** The verified email, kept only where it is the handle (`oidc`); never shown. */
  email?: string;
}

/** Ids per `displayNames` call: a bound on what one request can make the server read. */
export const MAX_NAME_LOOKUP = 100;

/** Longest text looked up as a handle (an email's limit, RFC 5321 §4.5.3.1.3). */
const MAX_HANDLE_LENGTH = 254;

/** How one provider's users are found: what the owner types, normalised. */
interface HandleRule {
  /** What the owner types, for the sentences below. */
  readonly noun: string;
  /** The record's field that holds the handle before `normalize`. */
  readonly field: "login" | "email";
  /** The index form of a handle, or `null` when the text cannot be one. */
  readonly normalize: (text: string) => string | null;
  /** Why a handle claimed by several users invites nobody. */
  readonly ambiguous: string;
}

const HANDLES: Readonly<Record<string, HandleRule>> = {
  // GitHub logins are unique and case-insensitive at any moment, but a
  // renamed login can be taken by someone else.
  github: {
    noun: "login",
    field: "login",
    normalize: (text) => text.toLowerCase(),
    ambiguous:
      "Several people here have signed in with that login; invite them once the earlier one has signed in again.",
  },
  // lib/idp: the name typed is the subject, so unique and case-sensitive.
  embedded: {
    noun: "login",
    field: "login",
    normalize: (text) => text,
    ambiguous:
      "Several people here use that login; invite them by their exact login.",
  },
  oidc: {
    noun: "verified email",
    field: "email",
    normalize: normalizeEmail,
    ambiguous:
      "Several accounts here have verified that email; nobody can be invited by it.",
  },
};

/**
 * RFC 5321 §2.4: a domain is case-insensitive, a local part may not be, so
 * only the domain is folded: `Carol@x` and `carol@x` may be two mailboxes.
 */
function normalizeEmail(text: string): string | null {
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1 || /\s/.test(text)) return null;
  return text.slice(0, at) + "@" + text.slice(at + 1).toLowerCase();
}

/** What an owner at `provider` types to invite someone: "login" or "verified email". */
export function handleNoun(provider: string | undefined): string {
  return (provider !== undefined && HANDLES[provider]?.noun) || "login";
}

export function userKey(userId: string): Deno.KvKey {
  return ["users", userId];
}

/** `user`'s handle in index form, or `null` when they have none. */
function handleOf(user: UserRecord): string | null {
  const rule = HANDLES[user.provider];
  const raw = rule === undefined ? undefined : user[rule.field];
  return typeof raw === "string" ? rule.normalize(raw) : null;
}

function claimKey(provider: string, handle: string, userId: string) {
  return ["users_by_handle", provider, handle, userId];
}

/**
 * Stores (or refreshes) `user` and its handle's claim in one atomic step: a
 * changed handle moves the claim. Only `user`'s own keys are written, so
 * others' sign-ins never contend with it.
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
  // Kept only where it is the handle: elsewhere it would be personal data
  // for nothing.
  if (user.email !== undefined && HANDLES[user.provider]?.field === "email") {
    record.email = user.email;
  }
  const handle = handleOf(record);
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await kv.get<UserRecord>(userKey(record.id));
    const op = kv.atomic().check(current).set(userKey(record.id), record);
    const old = current.value ? handleOf(current.value) : null;
    if (old !== null && old !== handle) {
      op.delete(claimKey(record.provider, old, record.id));
    }
    if (handle !== null) {
      op.set(claimKey(record.provider, handle, record.id), true);
    }
    if ((await op.commit()).ok) return;
  }
  throw new Error("saveUser: too many concurrent changes");
}

const HANDLES_INDEXED: Deno.KvKey = ["users_by_handle_indexed"];

/**
 * Claims the handle of every stored user, from their record, and deletes
 * the earlier `["users_by_login"]` index; runs once per store (a marker key
 * remembers it), idempotent if two instances race. Users of a generic OIDC
 * provider have no email on record from before, so they are found once they
 * sign in again. Call it at start, before serving.
 */
export async function indexUserHandles(kv: Deno.Kv): Promise<void> {
  if ((await kv.get(HANDLES_INDEXED)).value !== null) return;
  for await (const entry of kv.list<UserRecord>({ prefix: ["users"] })) {
    const handle = handleOf(entry.value);
    if (handle === null) continue;
    // Checked against the record, so a sign-in meanwhile (which claims its
    // own handle) is not undone.
    await kv.atomic().check(entry)
      .set(claimKey(entry.value.provider, handle, entry.value.id), true)
      .commit();
  }
  for await (const entry of kv.list({ prefix: ["users_by_login"] })) {
    await kv.delete(entry.key);
  }
  await kv.set(HANDLES_INDEXED, Date.now());
}

/** The stored user `userId`, or `null`. */
export async function getUserRecord(
  kv: Deno.Kv,
  userId: string,
): Promise<UserRecord | null> {
  return (await kv.get<UserRecord>(userKey(userId))).value;
}

/**
 * The id of the one user whose handle at `provider` is `login` (`HANDLES`:
 * a GitHub login in any case, an embedded name exactly, a verified email),
 * or `null` when nobody's is.
 *
 * @throws {ChatError} `ambiguous` when several users claim it: never
 * resolved to one of them.
 * @example
 * ```ts
 * declare const kv: Deno.Kv;
 * await findUserIdByLogin(kv, "github", "Alice"); // "github:42"
 * ```
 */
export async function findUserIdByLogin(
  kv: Deno.Kv,
  provider: string,
  login: string,
): Promise<string | null> {
  if (
    typeof login !== "string" || login === "" ||
    login.length > MAX_HANDLE_LENGTH
  ) return null;
  const rule = HANDLES[provider];
  const handle = rule?.normalize(login) ?? null;
  if (handle === null) return null;
  const ids: string[] = [];
  for await (
    const entry of kv.list({
      prefix: ["users_by_handle", provider, handle],
    }, { limit: 2 })
  ) ids.push(entry.key[3] as string);
  if (ids.length > 1) throw new ChatError("ambiguous", rule.ambiguous);
  return ids[0] ?? null;
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
  for (
    const entry of await getManyInBatches<UserRecord>(kv, ids.map(userKey))
  ) {
    if (entry.value) names[entry.value.id] = entry.value.name;
  }
  return names;
}
