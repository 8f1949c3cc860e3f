import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import * as Ably from "ably";
import {
  emulatorClientOptions,
  generateDevKey,
  startEmulator,
} from "./emulator/mod.ts";
import { resetLogging, setupLogging } from "./log.ts";
import { createRevoker, type RevokeJob } from "./revocation.ts";

/** A revoker over `key` against a fresh emulator; `revocable` as the key's dashboard setting. */
async function withRevoker(
  revocable: boolean,
  fn: (
    revoker: ReturnType<typeof createRevoker>,
    kv: Deno.Kv,
    logs: LogRecord[],
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
  const kv = await Deno.openKv(":memory:");
  try {
    const rest = new Ably.Rest({ ...emulatorClientOptions(emulator.url), key });
    await fn(
      createRevoker({ kv, rest, tokenTtlMs: 60_000 }),
      kv,
      logs,
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

Deno.test("a revocation that lands inline completes its outbox job", async () => {
  await withRevoker(true, async (revoker, kv, logs) => {
    const op = kv.atomic();
    const attempt = revoker.schedule(op, ["embedded:alice", "embedded:alice"]);
    assert.equal((await op.commit()).ok, true);
    assert.equal(await outboxEntries(kv), 1, "one job per user");
    await attempt();
    assert.equal(await outboxEntries(kv), 0);
    assert.ok(logs.some((r) => r.message.join("").startsWith("revoked")));
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
    assert.equal(await outboxEntries(kv), 0, "nothing left to retry");
  });
});
