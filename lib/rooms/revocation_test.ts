import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import * as Ably from "ably";
import {
  emulatorClientOptions,
  generateDevKey,
  startEmulator,
} from "../emulator/mod.ts";
import { resetLogging, setupLogging } from "../platform/log.ts";
import { startOutbox } from "../outbox/mod.ts";
import {
  COMMIT_ALLOWANCE_MS,
  createRevoker,
  type RevokeJob,
  TOKEN_FRESHNESS_MS,
} from "./revocation.ts";
import { probeCredential } from "../../tests/helpers/credential_probe.ts";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";

/** A revoker over `key` against a fresh emulator; `revocable` as the key's dashboard setting. */
async function withRevoker(
  revocable: boolean,
  fn: (
    revoker: ReturnType<typeof createRevoker>,
    kv: Deno.Kv,
    logs: LogRecord[],
    ably: { rest: Ably.Rest; url: string },
  ) => Promise<void>,
) {
  const logs: LogRecord[] = [];
  await setupLogging({ level: "info", sink: (r) => logs.push(r) });
  const key = generateDevKey();
  const keyName = key.slice(0, key.indexOf(":"));
  const emulator = await startEmulator({
    keys: [key],
    revocableKeys: revocable ? [keyName] : [],
  });
  const kv = await openKvWithoutQueues(":memory:");
  try {
    const rest = new Ably.Rest({ ...emulatorClientOptions(emulator.url), key });
    await fn(
      createRevoker({ kv, rest, tokenTtlMs: 60_000 }),
      kv,
      logs,
      { rest, url: emulator.url },
    );
  } finally {
    kv.close();
    await emulator.close();
    await resetLogging();
  }
}

async function outboxEntries(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: ["outbox"] })) n++;
  return n;
}

Deno.test("a revocation cuts at once, and its follow-up, due a second later, covers a token signed just after the commit", async () => {
  await withRevoker(true, async (revoker, kv, logs, { rest, url }) => {
    const alice = "embedded:alice";
    const before = await rest.auth.createTokenRequest({ clientId: alice });
    await new Promise((r) => setTimeout(r, 5));
    const startedAt = Date.now();
    const op = kv.atomic();
    const after = revoker.schedule(op, [alice, alice]);
    assert.equal((await op.commit()).ok, true);
    assert.equal(await outboxEntries(kv), 1, "one follow-up per user");
    await after();
    assert.ok(logs.some((r) => r.message.join("").startsWith("revoked")));
    // A request that read the session before the commit signs just after it.
    await new Promise((r) => setTimeout(r, 5));
    const racing = await rest.auth.createTokenRequest({ clientId: alice });

    assert.equal(
      (await probeCredential(url, before, "room:r")).code,
      40141,
      "signed before: revoked at once",
    );
    assert.equal(
      (await probeCredential(url, racing, "room:r")).attached,
      true,
      "signed after the first revocation: still works until the follow-up",
    );
    // The follow-up runs from the outbox, due at its own issuedBefore.
    const outbox = startOutbox<RevokeJob>(kv, {
      revoke: (job) => revoker.handle(job),
    }, { pollMs: 25 });
    try {
      const [job] = await Array.fromAsync(kv.list<{ job: RevokeJob }>({
        prefix: ["outbox"],
      }));
      assert.ok(
        job.value.job.issuedBefore >=
          startedAt + TOKEN_FRESHNESS_MS + COMMIT_ALLOWANCE_MS,
      );
      const until = Date.now() + 5_000;
      while ((await outboxEntries(kv)) > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(await outboxEntries(kv), 0, "the follow-up ran");
      const racingAgain = await rest.auth.createTokenRequest({
        clientId: alice,
        nonce: crypto.randomUUID(),
        timestamp: racing.timestamp,
      });
      assert.equal(
        (await probeCredential(url, racingAgain, "room:r")).code,
        40141,
        "signed before the follow-up's issuedBefore: revoked",
      );
      const fresh = await rest.auth.createTokenRequest({ clientId: alice });
      assert.equal(
        (await probeCredential(url, fresh, "room:r")).attached,
        true,
        "a token issued after both still works",
      );
    } finally {
      await outbox.close();
    }
  });
});

Deno.test("a key without revocable tokens is reported once, with the dashboard setting, and not retried", async () => {
  await withRevoker(false, async (revoker, kv, logs) => {
    for (const user of ["embedded:alice", "embedded:bob"]) {
      const op = kv.atomic();
      const attempt = revoker.schedule(op, [user]);
      await op.commit();
      await attempt();
    }
    // Retrying cannot help: the outbox's handler finishes without a throw.
    const job: RevokeJob = {
      kind: "revoke",
      userId: "embedded:carol",
      issuedBefore: Date.now(),
    };
    await revoker.handle(job);
    const errors = logs.filter((r) => r.level === "error");
    assert.equal(errors.length, 1, "reported once");
    assert.match(
      JSON.stringify(errors[0].properties),
      /Revocable tokens.*Ably dashboard/,
    );
  });
});
