/**
 * Two instances of the app (`deno run -A main.ts`, twice) on one KV file,
 * one Ably emulator and one sign-in provider, as two Deno Deploy isolates
 * share a KV store: a session made on either is honoured by the other, and
 * a sign-out on one reaches the other within the session cache's bound
 * (`SESSION_CACHE_DEFAULTS.ttlMs`, 5 s), while the instance that signed out
 * refuses the session at once.
 */
import assert from "node:assert/strict";
import { isLoopbackCallback } from "../lib/auth/start.ts";
import { SESSION_CACHE_DEFAULTS } from "../lib/auth/session_cache.ts";
import { startEmulator } from "../lib/emulator/mod.ts";
import { startIdp } from "../lib/idp/mod.ts";
import { CookieJar, walkSignIn } from "./auth_helpers.ts";
import { type ChildApp, spawnApp } from "./hardening_helpers.ts";

async function signInAt(app: ChildApp, login: string): Promise<string> {
  const jar = new CookieJar();
  await walkSignIn(jar, `${app.url}/auth/signin?redirect=/about`, { login });
  const id = jar.get("127.0.0.1", "session")?.value;
  assert.ok(id, `signed in as ${login} at ${app.url}`);
  return id;
}

async function liveStatus(app: ChildApp, sessionId: string): Promise<number> {
  const response = await fetch(`${app.url}/api/live`, {
    headers: { cookie: `session=${sessionId}` },
  });
  await response.body?.cancel();
  return response.status;
}

Deno.test("two instances on one KV file share sessions; a sign-out reaches the other within the cache bound", async () => {
  const key = "shared.key:sharedsecretsharedsecret";
  const emulator = await startEmulator({ keys: [key] });
  const idp = await startIdp({ redirectUris: isLoopbackCallback });
  const dir = await Deno.makeTempDir({ prefix: "live-two-" });
  try {
    const env = {
      DENO_KV_PATH: `${dir}/kv.sqlite3`,
      ABLY_API_KEY: key,
      ABLY_ENDPOINT: emulator.url,
      OAUTH_PROVIDER: "oidc",
      OIDC_ISSUER: idp.issuer.href,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
      LIVE_RATE_LIMIT_PER_MIN: "0",
    };
    await using a = await spawnApp(env);
    await using b = await spawnApp(env);

    const alice = await signInAt(a, "alice");
    const bob = await signInAt(b, "bob");
    for (const [app, id] of [[a, alice], [b, alice], [a, bob], [b, bob]]) {
      assert.equal(
        await liveStatus(app as ChildApp, id as string),
        200,
        "honoured by both",
      );
    }

    // Alice signs out on A; B has her session cached from the call above.
    const signOut = await fetch(`${a.url}/auth/signout`, {
      method: "POST",
      headers: { cookie: `session=${alice}`, origin: a.url },
      redirect: "manual",
    });
    await signOut.body?.cancel();
    assert.equal(signOut.status, 303);
    const signedOutAt = performance.now();
    assert.equal(await liveStatus(a, alice), 401, "at once where it happened");

    let seenAt: number | undefined;
    const bound = SESSION_CACHE_DEFAULTS.ttlMs;
    while (performance.now() - signedOutAt < bound + 1000) {
      if (await liveStatus(b, alice) === 401) {
        seenAt = performance.now() - signedOutAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(seenAt !== undefined, `B still honours it after ${bound} ms`);
    assert.ok(seenAt <= bound + 250, `seen after ${seenAt} ms`);
    console.log(`sign-out on A seen by B after ${seenAt.toFixed(0)} ms`);
    assert.equal(await liveStatus(b, bob), 200, "others unaffected");
  } finally {
    await idp.close();
    await emulator.close();
    await Deno.remove(dir, { recursive: true });
  }
});
