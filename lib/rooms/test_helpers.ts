/**
 * Helpers for the tests of `lib/rooms/`, `lib/rooms/policy.ts` and `lib/outbox/`:
 * a KV store that is closed after the test, and a few signed-in users.
 * Only `*_test.ts` files import this module.
 */
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";
import { saveUser, type UserRecord } from "./users.ts";

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
