/**
 * Signing out ends realtime access within seconds (`lib/rooms/revocation.ts`):
 * the user's tokens are revoked, so a token or TokenRequest copied before the
 * sign-out is refused afterwards and a connection holding one is cut, while
 * the same user's other signed-in browser reconnects with a fresh token. A
 * sign-out while Ably is down still ends the session at once, and the
 * revocation lands when Ably is back.
 *
 * The app runs in process with its embedded emulator; the `ably` SDK plays
 * the browsers, its `authCallback` asking the app's `/api/live` with that
 * browser's cookies.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import * as Ably from "ably";
import { emulatorClientOptions, startEmulator } from "../lib/emulator/mod.ts";
import {
  closeClient,
  delay,
  waitFor,
  withTimeout,
} from "../lib/emulator/test_helpers.ts";
import { resetLogging, setupLogging } from "../lib/platform/log.ts";
import { CookieJar } from "./auth_helpers.ts";
import {
  APP,
  type InProcessApp,
  startInProcessApp,
} from "./hardening_helpers.ts";

const NO_LIMIT = { LIVE_RATE_LIMIT_PER_MIN: "0" };

async function tokenRequest(app: InProcessApp, jar: CookieJar) {
  const { response, text } = await app.send(jar, "/api/live");
  assert.equal(response.status, 200, text);
  return JSON.parse(text).token as Ably.TokenRequest;
}

/** A realtime client whose renewals go through `/api/live` with `jar`. */
function browser(app: InProcessApp, url: string, jar: CookieJar) {
  return new Ably.Realtime({
    ...emulatorClientOptions(url),
    authCallback: async (_params, callback) => {
      const { response, text } = await app.send(jar, "/api/live");
      if (response.status !== 200) {
        callback(
          new Ably.ErrorInfo(`token route: ${response.status}`, 40170, 401),
          null,
        );
        return;
      }
      callback(null, JSON.parse(text).token);
    },
  });
}

function signOut(app: InProcessApp, jar: CookieJar) {
  return app.send(jar, "/auth/signout", {
    method: "POST",
    headers: { origin: APP },
  });
}

Deno.test("a token taken before sign-out is refused after it, and a connection holding one is cut within 2 s", async () => {
  await using app = await startInProcessApp(NO_LIMIT);
  const url = app.services.ably.emulator!.url;
  const jar = new CookieJar();
  await app.signIn(jar, "alice");
  const options = emulatorClientOptions(url);

  // What a copied credential looks like: a TokenRequest (request mode) and
  // the token it was exchanged for.
  const spare = await tokenRequest(app, jar);
  const used = await tokenRequest(app, jar);
  await delay(5); // see the last test
  const rest = new Ably.Rest({
    ...options,
    authCallback: (_p, cb) => cb(null, used),
  });
  const tokenDetails = await rest.auth.requestToken();
  const holder = new Ably.Realtime({ ...options, tokenDetails });
  const copied: Ably.Realtime[] = [holder];
  try {
    await withTimeout(
      holder.connection.whenState("connected"),
      5000,
      "connected",
    );

    const cut = new Promise<Ably.ErrorInfo | undefined>((resolve) => {
      holder.connection.once(
        "disconnected",
        (change) => resolve(change.reason),
      );
    });
    const t0 = performance.now();
    const { response } = await signOut(app, jar);
    assert.equal(response.status, 303);
    const reason = await withTimeout(cut, 2000, "the holder's connection cut");
    const cutMs = performance.now() - t0;
    console.log(
      `sign-out to a connection holding the old token cut: ${
        cutMs.toFixed(0)
      } ms`,
    );
    assert.equal(reason?.code, 40141);

    // A fresh client with the copied token is refused ...
    const fresh = new Ably.Realtime({ ...options, tokenDetails });
    copied.push(fresh);
    const refusals: number[] = [];
    fresh.connection.on((change) => {
      if (change.reason) refusals.push(change.reason.code);
    });
    await withTimeout(fresh.connection.whenState("failed"), 5000, "refused");
    // Refused as revoked; then failed, having no way to renew (40171).
    assert.equal(refusals[0], 40141);
    // ... and so is the TokenRequest signed before the sign-out.
    const late = new Ably.Rest({
      ...options,
      authCallback: (_p, cb) => cb(null, spare),
    });
    await assert.rejects(
      late.auth.requestToken(),
      (e: Ably.ErrorInfo) => e.code === 40141,
    );
    console.log(
      `sign-out to a copied token refused: ${
        (performance.now() - t0).toFixed(0)
      } ms`,
    );
    // The token route says why: the session is gone.
    assert.equal((await app.send(jar, "/api/live")).response.status, 401);
  } finally {
    for (const client of copied) await closeClient(client);
  }
});

Deno.test("signed in twice, signing out in one browser: the other reconnects with a fresh token and keeps its channel", async () => {
  await using app = await startInProcessApp(NO_LIMIT);
  const url = app.services.ably.emulator!.url;
  const leaving = new CookieJar();
  const staying = new CookieJar();
  await app.signIn(leaving, "alice");
  await app.signIn(staying, "alice");
  const gone = browser(app, url, leaving);
  const kept = browser(app, url, staying);
  try {
    const userId = (await tokenRequest(app, staying)).clientId!;
    const channel = kept.channels.get(`user:${userId}`);
    await withTimeout(channel.attach(), 5000, "attached");
    const notices: string[] = [];
    await channel.subscribe((m) => notices.push(m.name ?? ""));
    await withTimeout(
      gone.connection.whenState("connected"),
      5000,
      "connected",
    );
    const keptCut = new Promise<Ably.ErrorInfo | undefined>((resolve) => {
      kept.connection.once("disconnected", (change) => resolve(change.reason));
    });

    assert.equal((await signOut(app, leaving)).response.status, 303);
    // The revocation reaches every connection of the user ...
    assert.equal((await withTimeout(keptCut, 2000, "kept cut"))?.code, 40141);
    // ... the signed-out one cannot get a new token ...
    await withTimeout(
      waitFor(
        () =>
          ["failed", "disconnected", "suspended"].includes(
            gone.connection.state,
          ) &&
          gone.connection.errorReason?.statusCode === 401,
        5000,
      ),
      6000,
      "signed-out browser refused",
    );
    // ... the other renews, comes back, and its channel still delivers.
    await withTimeout(
      kept.connection.whenState("connected"),
      5000,
      "reconnected",
    );
    await withTimeout(
      waitFor(() => channel.state === "attached", 5000),
      6000,
      "re-attached",
    );
    const { response } = await app.send(staying, "/api/notify-me", {
      method: "POST",
      headers: { origin: APP },
    });
    assert.equal(response.status, 202);
    await withTimeout(
      waitFor(() => notices.includes("notice"), 5000),
      6000,
      "notice",
    );
  } finally {
    await closeClient(gone);
    await closeClient(kept);
  }
});

Deno.test("sign-out while Ably is down: the session ends at once, the revocation lands when Ably is back", async () => {
  const logs: LogRecord[] = [];
  await setupLogging({ level: "info", sink: (r) => logs.push(r) });
  await using app = await startInProcessApp(NO_LIMIT);
  const emulator = app.services.ably.emulator!;
  let revived: Awaited<ReturnType<typeof startEmulator>> | undefined;
  try {
    const jar = new CookieJar();
    await app.signIn(jar, "alice");
    const copied = await tokenRequest(app, jar);
    await emulator.close();
    // Revocation covers tokens issued strictly before it, to the
    // millisecond; in process, capture and sign-out can share one.
    await delay(5);

    const t0 = performance.now();
    const { response } = await signOut(app, jar);
    const signOutMs = performance.now() - t0;
    assert.equal(response.status, 303);
    assert.ok(signOutMs < 2000, `sign-out took ${signOutMs.toFixed(0)} ms`);
    assert.equal((await app.send(jar, "/api/live")).response.status, 401);
    const revokedLine = () =>
      logs.some((r) => r.message.join("").includes("revoked the tokens of"));
    assert.equal(revokedLine(), false);

    // Ably is back, on the same address with the same key.
    revived = await startEmulator({
      port: emulator.port,
      keys: emulator.keys,
      revocableKeys: emulator.keys.map((k) => k.slice(0, k.indexOf(":"))),
    });
    await withTimeout(
      waitFor(revokedLine, 15_000, "the queued revocation"),
      16_000,
      "revocation",
    );
    console.log(
      `sign-out with Ably down to revocation landed: ${
        (performance.now() - t0).toFixed(0)
      } ms`,
    );
    const late = new Ably.Rest({
      ...emulatorClientOptions(revived.url),
      authCallback: (_p, cb) => cb(null, copied),
    });
    await assert.rejects(
      late.auth.requestToken(),
      (e: Ably.ErrorInfo) => e.code === 40141,
    );
  } finally {
    await revived?.close();
    await resetLogging();
  }
});
