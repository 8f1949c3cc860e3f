import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { resetLogging, setupLogging } from "./log.ts";
import {
  completeJob,
  type JobSchedule,
  listFailedJobs,
  type OutboxJob,
  scheduleJob,
  startOutbox,
} from "./outbox.ts";

const FAST: JobSchedule = { delayMs: 20, backoffSchedule: [20, 40] };

interface EchoJob extends OutboxJob {
  kind: "echo";
  n: number;
}
interface OtherJob extends OutboxJob {
  kind: "other";
}

async function waitUntil(check: () => boolean | Promise<boolean>, ms = 5000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withOutbox(
  handlers: {
    echo: (job: EchoJob) => Promise<void>;
    other?: (job: OtherJob) => Promise<void>;
  },
  fn: (kv: Deno.Kv, records: LogRecord[]) => Promise<void>,
) {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  const kv = await Deno.openKv(":memory:");
  const outbox = startOutbox<EchoJob | OtherJob>(kv, {
    echo: handlers.echo,
    other: handlers.other ?? (() => Promise.resolve()),
  });
  try {
    await fn(kv, records);
  } finally {
    await outbox.close();
    kv.close();
    await outbox.stopped;
    await resetLogging();
  }
}

async function outboxSize(kv: Deno.Kv, prefix = "outbox"): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

Deno.test("a job completed inline is skipped by the queue", async () => {
  const ran: number[] = [];
  await withOutbox(
    { echo: (job) => Promise.resolve(void ran.push(job.n)) },
    async (kv) => {
      const op = kv.atomic();
      const id = scheduleJob(op, { kind: "echo", n: 1 } as EchoJob, FAST);
      assert.ok((await op.commit()).ok);
      await completeJob(kv, id);
      const op2 = kv.atomic();
      scheduleJob(op2, { kind: "echo", n: 2 } as EchoJob, FAST);
      await op2.commit();
      await waitUntil(() => ran.length === 1);
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(ran, [2]);
      assert.equal(await outboxSize(kv), 0);
    },
  );
});

Deno.test("a job is scheduled with its commit or not at all", async () => {
  const ran: number[] = [];
  await withOutbox(
    { echo: (job) => Promise.resolve(void ran.push(job.n)) },
    async (kv) => {
      await kv.set(["k"], 1);
      const op = kv.atomic().check({ key: ["k"], versionstamp: null }).set([
        "k",
      ], 2);
      scheduleJob(op, { kind: "echo", n: 1 } as EchoJob, FAST);
      assert.equal((await op.commit()).ok, false);
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(ran, []);
      assert.equal(await outboxSize(kv), 0);
    },
  );
});

Deno.test("a failing job is retried on the schedule until it succeeds, then removed", async () => {
  let calls = 0;
  await withOutbox({
    echo: () => {
      calls++;
      return calls < 3
        ? Promise.reject(new Error("not yet"))
        : Promise.resolve();
    },
  }, async (kv, records) => {
    const op = kv.atomic();
    scheduleJob(op, { kind: "echo", n: 1 } as EchoJob, FAST);
    await op.commit();
    await waitUntil(async () => calls === 3 && (await outboxSize(kv)) === 0);
    const warnings = records.filter((r) => r.level === "warning");
    assert.equal(warnings.length, 2);
    assert.equal(warnings[0].properties.attempts, 1);
    assert.equal(warnings[1].properties.reason, "not yet");
    assert.equal(await outboxSize(kv, "outbox_failed"), 0);
  });
});

Deno.test("after the last attempt a job is logged as an error and moved aside, never dropped silently", async () => {
  let calls = 0;
  await withOutbox({
    echo: () => {
      calls++;
      return Promise.reject(new Error("down"));
    },
  }, async (kv, records) => {
    const op = kv.atomic();
    const id = scheduleJob(op, { kind: "echo", n: 7 } as EchoJob, FAST);
    await op.commit();
    await waitUntil(async () => (await outboxSize(kv, "outbox_failed")) === 1);
    assert.equal(calls, FAST.backoffSchedule.length + 1);
    assert.equal(await outboxSize(kv), 0);
    const [failed] = await listFailedJobs(kv);
    assert.equal(failed.id, id);
    assert.partialDeepStrictEqual(failed.entry, {
      job: { kind: "echo", n: 7 },
      attempts: 3,
    });
    const errors = records.filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].properties.outboxId, id);
    assert.deepEqual(errors[0].properties.job, { kind: "echo", n: 7 });
  });
});

Deno.test("a job with retryUntil is delivered past its schedule, until then, then given up", async () => {
  let calls = 0;
  await withOutbox({
    echo: () => {
      calls++;
      return Promise.reject(new Error("down"));
    },
  }, async (kv) => {
    const op = kv.atomic();
    scheduleJob(op, { kind: "echo", n: 8 } as EchoJob, {
      ...FAST,
      // KV's queue delivers in polling steps of up to ~100 ms: room for
      // the schedule's three deliveries and more.
      retryUntil: Date.now() + 2_000,
    });
    await op.commit();
    await waitUntil(async () => (await outboxSize(kv, "outbox_failed")) === 1);
    // Past the schedule's three deliveries, then given up after `retryUntil`.
    assert.ok(calls > FAST.backoffSchedule.length + 1, `${calls} deliveries`);
    assert.equal(await outboxSize(kv), 0);
  });
});

Deno.test("a failing job throws nothing into the queue: its retries are queued by the outbox", async () => {
  const uncaught: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => uncaught.push(args.join(" "));
  try {
    let calls = 0;
    await withOutbox({
      echo: () =>
        ++calls < 3 ? Promise.reject(new Error("down")) : Promise.resolve(),
    }, async (kv) => {
      const op = kv.atomic();
      scheduleJob(op, { kind: "echo", n: 9 } as EchoJob, FAST);
      await op.commit();
      await waitUntil(async () => calls === 3 && (await outboxSize(kv)) === 0);
    });
  } finally {
    console.error = original;
  }
  // Deno reports a handler's exception as "Exception in queue handler".
  assert.deepEqual(uncaught.filter((l) => l.includes("queue handler")), []);
});

Deno.test("a job of unknown kind is moved aside with an error", async () => {
  await withOutbox({ echo: () => Promise.resolve() }, async (kv, records) => {
    const op = kv.atomic();
    scheduleJob(op, { kind: "mystery" }, FAST);
    await op.commit();
    await waitUntil(async () => (await outboxSize(kv, "outbox_failed")) === 1);
    assert.match(
      String(records.find((r) => r.level === "error")?.message.join("")),
      /unknown kind/,
    );
  });
});

Deno.test("close waits for a job in progress", async () => {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  const kv = await Deno.openKv(":memory:");
  let finished = false;
  let started = false;
  const outbox = startOutbox<EchoJob>(kv, {
    echo: async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 100));
      finished = true;
    },
  });
  try {
    const op = kv.atomic();
    scheduleJob(op, { kind: "echo", n: 1 } as EchoJob, FAST);
    await op.commit();
    await waitUntil(() => started);
  } finally {
    await outbox.close();
    assert.ok(finished);
    kv.close();
    await outbox.stopped;
    await resetLogging();
  }
});
