/**
 * The pending sign-in as `createAuth`'s `signIn` leaves it, found and taken
 * with this module's own functions against real KV.
 */
import assert from "node:assert/strict";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";
import { createAuth } from "./auth.ts";
import { AuthError } from "./errors.ts";
import {
  findPendingSignIn,
  SIGN_IN_TTL_MS,
  takePendingSignIn,
} from "./pending_sign_in.ts";
import type { Provider } from "./providers.ts";

/** Enough of a provider for a start: its endpoint, its client. */
const provider = {
  name: "test",
  client: { client_id: "client" },
  scope: "openid",
  authorizationServer: () =>
    Promise.resolve({
      issuer: "https://idp.example",
      authorization_endpoint: "https://idp.example/authorize",
    }),
} as unknown as Provider;

async function withStarted(
  fn: (kv: Deno.Kv, state: string, now: number) => Promise<void>,
) {
  const kv = await openKvWithoutQueues(":memory:");
  try {
    const now = 1_000_000;
    const auth = createAuth({
      kv,
      provider,
      sessionTtlSeconds: 3600,
      now: () => now,
    });
    const response = await auth.signIn(
      new Request("http://127.0.0.1:8000/auth/signin?redirect=/about"),
    );
    const state = new URL(response.headers.get("location")!).searchParams
      .get("state")!;
    await fn(kv, state, now);
  } finally {
    kv.close();
  }
}

Deno.test("a started sign-in is stored under its state and taken exactly once", async () => {
  await withStarted(async (kv, state, now) => {
    const pending = await findPendingSignIn(kv, state, now);
    assert.ok(pending);
    assert.equal(pending.value.redirectTo, "/about");
    assert.equal(
      pending.value.redirectUri,
      "http://127.0.0.1:8000/auth/callback",
    );
    assert.equal(pending.value.expiresAt, now + SIGN_IN_TTL_MS);

    await takePendingSignIn(kv, pending);
    assert.equal(await findPendingSignIn(kv, state, now), null);
    await assert.rejects(
      takePendingSignIn(kv, pending),
      (e) => e instanceof AuthError && e.code === "invalid_state",
    );
  });
});

Deno.test("a pending sign-in past its deadline, or an absurd state, is not found", async () => {
  await withStarted(async (kv, state, now) => {
    assert.equal(
      await findPendingSignIn(kv, state, now + SIGN_IN_TTL_MS),
      null,
    );
    assert.notEqual(await findPendingSignIn(kv, state, now), null);
    assert.equal(await findPendingSignIn(kv, "s".repeat(513), now), null);
  });
});
