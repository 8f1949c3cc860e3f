/**
 * `POST /api/notify-me` is an Ably publish with the server's key per call:
 * limited per session (`NOTIFY_RATE_LIMIT_PER_MIN`), refused as `/api/live`
 * refuses, through the real manifest, provider and emulator.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { resetLogging, setupLogging } from "../lib/platform/log.ts";
import { CookieJar } from "./auth_helpers.ts";
import { APP, startInProcessApp } from "./hardening_helpers.ts";

const notify = { method: "POST", headers: { origin: APP } };

async function withLogs(fn: (logs: LogRecord[]) => Promise<void>) {
  const logs: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => logs.push(r) });
  try {
    await fn(logs);
  } finally {
    await resetLogging();
  }
}

Deno.test("notify-me: past NOTIFY_RATE_LIMIT_PER_MIN a session gets 429 JSON with Retry-After, and nothing is published", async () => {
  await withLogs(async (logs) => {
    await using app = await startInProcessApp({
      NOTIFY_RATE_LIMIT_PER_MIN: "3",
    });
    const alice = new CookieJar();
    const sid = await app.signIn(alice, "alice");
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await app.send(alice, "/api/notify-me", notify)).response.status,
        202,
      );
    }
    for (let i = 0; i < 2; i++) {
      const { response, text } = await app.send(
        alice,
        "/api/notify-me",
        notify,
      );
      assert.equal(response.status, 429);
      assert.match(response.headers.get("content-type")!, /^application\/json/);
      assert.deepEqual(JSON.parse(text), { error: "Too Many Requests" });
      const retryAfter = Number(response.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
      assert.match(response.headers.get("cache-control")!, /no-store/);
    }
    const history = await app.services.ably.tokens.rest.channels.get(
      "user:embedded:alice",
    ).history();
    assert.equal(history.items.length, 3, "refused calls published nothing");

    // Another session keeps its own allowance.
    const bob = new CookieJar();
    await app.signIn(bob, "bob");
    assert.equal(
      (await app.send(bob, "/api/notify-me", notify)).response.status,
      202,
    );

    const warnings = logs.filter((r) =>
      r.level === "warning" && r.properties.route === "/api/notify-me"
    );
    assert.equal(warnings.length, 1, "one warning per session and window");
    assert.equal(warnings[0].properties.userId, "embedded:alice");
    assert.ok(!JSON.stringify(logs.map((r) => r.message)).includes(sid));
  });
});

Deno.test("notify-me: NOTIFY_RATE_LIMIT_PER_MIN=0 disables the limit", async () => {
  await using app = await startInProcessApp({ NOTIFY_RATE_LIMIT_PER_MIN: "0" });
  const alice = new CookieJar();
  await app.signIn(alice, "alice");
  for (let i = 0; i < 15; i++) {
    assert.equal(
      (await app.send(alice, "/api/notify-me", notify)).response.status,
      202,
    );
  }
  assert.equal(app.services.limits.notify.size, 0);
});

Deno.test("notify-me: the default allows 10 a minute", async () => {
  await using app = await startInProcessApp();
  assert.equal(app.services.config.notifyRateLimitPerMin, 10);
  const alice = new CookieJar();
  await app.signIn(alice, "alice");
  const statuses = [];
  for (let i = 0; i < 11; i++) {
    statuses.push(
      (await app.send(alice, "/api/notify-me", notify)).response.status,
    );
  }
  assert.deepEqual(statuses, [...Array(10).fill(202), 429]);
});
