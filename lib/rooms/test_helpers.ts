/**
 * Helpers for the tests of `lib/rooms/`, `lib/rooms/policy.ts` and `lib/outbox/`:
 * a KV store that is closed after the test, and a few signed-in users.
 * Only `*_test.ts` files import this module.
 */
import assert from "node:assert/strict";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";
import { ChatError } from "./errors.ts";
import { type RoomAccess, roomAccess } from "./policy.ts";
import { saveUser, type UserRecord } from "./users.ts";
import { inviteByLogin, joinRoom } from "./invitations.ts";

/** A session-like user: what routes pass to the library. */
export interface TestUser extends UserRecord {
  readonly id: string;
}

export function user(login: string, name = login.toUpperCase()): TestUser {
  return { id: `github:${login}-id`, login, name, provider: "github" };
}

/** Runs `fn` with a fresh `:memory:` KV, queues refused as on Deno Deploy, closed afterwards. */
export async function withKv(
  fn: (kv: Deno.Kv) => Promise<void>,
): Promise<void> {
  const kv = await openKvWithoutQueues();
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

/** Stores `users` as the sign-in callback would. */
export async function signIn(kv: Deno.Kv, ...users: TestUser[]): Promise<void> {
  for (const u of users) await saveUser(kv, u);
}

/**
 * Makes the user with `login` a member of `roomId` the one way there is:
 * `owner` invites them and they join. Returns their id.
 */
export async function inviteAndJoin(
  kv: Deno.Kv,
  owner: { readonly id: string; readonly provider?: string },
  roomId: string,
  login: string,
): Promise<string> {
  const { invitation } = await inviteByLogin(kv, owner, roomId, login);
  await joinRoom(kv, { id: invitation.userId }, roomId);
  return invitation.userId;
}

/** For `assert.rejects`: the refusal is a `ChatError` with `code`. */
export function refused(code: ChatError["code"]): (error: unknown) => true {
  return (error: unknown) => {
    assert.ok(error instanceof ChatError, String(error));
    assert.equal(error.code, code, error.reason);
    return true;
  };
}

/** The policy's yes for `who` in `roomId`, which the test expects. */
export async function granted(
  kv: Deno.Kv,
  who: { readonly id: string },
  roomId: string,
): Promise<RoomAccess> {
  const access = await roomAccess(kv, who, roomId);
  assert.ok(access, `${who.id} may enter ${roomId}`);
  return access;
}
