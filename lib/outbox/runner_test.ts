import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { resetLogging, setupLogging } from "../platform/log.ts";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";
import {
  completeJob,
  jobKey,
  type JobSchedule,
  listFailedJobs,
  listJobs,
  type OutboxEntry,
  type OutboxJob,
  type OutboxOptions,
  scheduleJob,
  startOutbox,
} from "./mod.ts";

const FAST: JobSchedule = { delayMs: 20, backoffSchedule: [20, 40] };
/** Polls often, so tests that rely on polling alone stay short. */
const QUICK: OutboxOptions = { pollMs: 25, leaseMs: 2_000 };

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
  options: OutboxOptions = QUICK,
) {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  const kv = await openKvWithoutQueues();
  const outbox = startOutbox<EchoJob | OtherJob>(kv, {
    echo: handlers.echo,
    other: handlers.other ?? (() => Promise.resolve()),
  }, options);
  try {
    await fn(kv, records);
  } finally {
    await outbox.close();
    kv.close();
    await resetLogging();
  }
}

async function outboxSize(kv: Deno.Kv, prefix = "outbox"): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

async function schedule(
  kv: Deno.Kv,
  job: OutboxJob,
  plan: JobSchedule = FAST,
) {
  const op = kv.atomic();
  const scheduled = scheduleJob(op, job, plan);
  assert.ok((await op.commit()).ok);
  return scheduled;
}

Deno.test("the outbox starts and runs its jobs on a KV that refuses queues", async () => {
  const ran: number[] = [];
  await withOutbox(
    { echo: (job) => Promise.resolve(void ran.push(job.n)) },
    async (kv) => {
      await schedule(kv, { kind: "echo", n: 1 } as EchoJob);
      await waitUntil(() => ran.length === 1);
      assert.equal(await outboxSize(kv), 0);
    },
  );
});

Deno.test("a job completed inline is skipped", async () => {
  const ran: number[] = [];
  await withOutbox(
    { echo: (job) => Promise.resolve(void ran.push(job.n)) },
    async (kv) => {
      const done = await schedule(kv, { kind: "echo", n: 1 } as EchoJob);
      await completeJob(kv, done);
      await schedule(kv, { kind: "echo", n: 2 } as EchoJob);
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
      const op = kv.atomic().check({ key: ["k"], versionstamp: null })
        .set(["k"], 2);
      scheduleJob(op, { kind: "echo", n: 1 } as EchoJob, FAST);
      assert.equal((await op.commit()).ok, false);
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(ran, []);
      assert.equal(await outboxSize(kv), 0);
    },
  );
});

Deno.test("a job is not run before it is due", async () => {
  const ranAt: number[] = [];
  await withOutbox(
    { echo: () => Promise.resolve(void ranAt.push(Date.now())) },
    async (kv) => {
      const job = await schedule(kv, { kind: "echo", n: 1 } as EchoJob, {
        delayMs: 300,
        backoffSchedule: [],
      });
      await waitUntil(() => ranAt.length === 1);
      assert.ok(ranAt[0] >= job.dueAt, `ran ${job.dueAt - ranAt[0]} ms early`);
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
    await schedule(kv, { kind: "echo", n: 1 } as EchoJob);
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
    const { id } = await schedule(kv, { kind: "echo", n: 7 } as EchoJob);
    await waitUntil(async () => (await outboxSize(kv, "outbox_failed")) === 1);
    assert.equal(calls, FAST.backoffSchedule.length + 1);
    assert.equal(await outboxSize(kv), 0);
    const [failed] = await listFailedJobs(kv);
    assert.partialDeepStrictEqual(failed, {
      id,
      job: { kind: "echo", n: 7 },
      attempts: 3,
    });
    assert.equal(failed.lease, undefined);
    const errors = records.filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].properties.outboxId, id);
    assert.deepEqual(errors[0].properties.job, { kind: "echo", n: 7 });
  });
});

Deno.test("a job with retryUntil is run past its schedule, until then, then given up", async () => {
  let calls = 0;
  await withOutbox({
    echo: () => {
      calls++;
      return Promise.reject(new Error("down"));
    },
  }, async (kv) => {
    await schedule(kv, { kind: "echo", n: 8 } as EchoJob, {
      ...FAST,
      retryUntil: Date.now() + 500,
    });
    await waitUntil(async () => (await outboxSize(kv, "outbox_failed")) === 1);
    // Past the schedule's three runs, then given up after `retryUntil`.
    assert.ok(calls > FAST.backoffSchedule.length + 1, `${calls} runs`);
    assert.equal(await outboxSize(kv), 0);
  });
});

Deno.test("a job of unknown kind is moved aside with an error", async () => {
  await withOutbox({ echo: () => Promise.resolve() }, async (kv, records) => {
    await schedule(kv, { kind: "mystery" });
    await waitUntil(async () => (await outboxSize(kv, "outbox_failed")) === 1);
    assert.match(
      String(records.find((r) => r.level === "error")?.message.join("")),
      /unknown kind/,
    );
  });
});

Deno.test("a key under outbox that is no job is moved aside, and the jobs behind it still run", async () => {
  const ran: number[] = [];
  await withOutbox(
    { echo: (job) => Promise.resolve(void ran.push(job.n)) },
    async (kv, records) => {
      await kv.set(["outbox", 0, "junk"], { hello: "world" });
      await schedule(kv, { kind: "echo", n: 3 } as EchoJob);
      await waitUntil(() => ran.length === 1);
      assert.equal(await outboxSize(kv, "outbox_failed"), 1);
      assert.ok(records.some((r) => r.level === "error"));
    },
  );
});

Deno.test("a job left by the queue-era outbox is taken up, not lost", async () => {
  const ran: number[] = [];
  await withOutbox(
    { echo: (job) => Promise.resolve(void ran.push(job.n)) },
    async (kv) => {
      await kv.set(["outbox", "b7c1d0e2"], {
        job: { kind: "echo", n: 4 },
        attempts: 1,
        maxAttempts: 3,
        createdAt: Date.now() - 10_000,
      });
      await waitUntil(() => ran.length === 1);
      assert.deepEqual(ran, [4]);
      assert.equal(await outboxSize(kv), 0);
    },
  );
});

Deno.test("close waits for a job in progress and stops polling", async () => {
  const kv = await openKvWithoutQueues();
  let finished = false;
  let started = false;
  const outbox = startOutbox<EchoJob>(kv, {
    echo: async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 100));
      finished = true;
    },
  }, QUICK);
  try {
    await schedule(kv, { kind: "echo", n: 1 } as EchoJob);
    await waitUntil(() => started);
  } finally {
    await outbox.close();
    assert.ok(finished);
    kv.close();
  }
});

/** `n` runners, each on its own handle to one KV file: instances on one KV. */
async function withInstances(
  n: number,
  handler: (instance: number, job: EchoJob) => Promise<void>,
  fn: (kvs: Deno.Kv[], outboxes: ReturnType<typeof startOutbox>[]) => Promise<
    void
  >,
  options: OutboxOptions = QUICK,
) {
  const dir = await Deno.makeTempDir({ prefix: "outbox-instances-" });
  const kvs: Deno.Kv[] = [];
  const outboxes: ReturnType<typeof startOutbox>[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const kv = await openKvWithoutQueues(`${dir}/kv.sqlite3`);
      kvs.push(kv);
      outboxes.push(startOutbox<EchoJob>(kv, {
        echo: (job) => handler(i, job),
      }, { ...options, instanceId: `instance-${i}` }));
    }
    await fn(kvs, outboxes);
  } finally {
    await Promise.all(outboxes.map((o) => o.close()));
    for (const kv of kvs) kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("three instances on one KV file run each of 60 jobs exactly once", async () => {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  const runs = new Map<number, number[]>();
  await withInstances(3, async (instance, job) => {
    await new Promise((r) => setTimeout(r, 20));
    runs.set(job.n, [...(runs.get(job.n) ?? []), instance]);
  }, async ([kv]) => {
    const op = kv.atomic();
    for (let n = 0; n < 60; n++) {
      scheduleJob(op, { kind: "echo", n } as EchoJob, FAST);
    }
    assert.ok((await op.commit()).ok);
    await waitUntil(async () =>
      runs.size === 60 && (await outboxSize(kv)) === 0
    );
  });
  await resetLogging();
  const twice = [...runs].filter(([, by]) => by.length > 1);
  assert.deepEqual(
    twice,
    [],
    "no job ran twice: " +
      JSON.stringify(records.map((r) => [r.message.join(""), r.properties])),
  );
  const instances = new Set([...runs.values()].flat());
  assert.ok(
    instances.size >= 2,
    `work spread over ${instances.size} instances`,
  );
});

Deno.test("a job held by an instance that died is taken over when its lease ends", async () => {
  const dir = await Deno.makeTempDir({ prefix: "outbox-lease-" });
  const path = `${dir}/kv.sqlite3`;
  const kvA = await openKvWithoutQueues(path);
  const kvB = await openKvWithoutQueues(path);
  let dying!: () => void;
  const hung = new Promise<void>((resolve) => dying = resolve);
  const a = startOutbox<EchoJob>(kvA, { echo: () => hung }, {
    pollMs: 25,
    leaseMs: 1_500,
    instanceId: "a",
  });
  let b: ReturnType<typeof startOutbox> | undefined;
  let closingA: Promise<void> | undefined;
  const ranOnB: number[] = [];
  try {
    const job = await schedule(kvB, { kind: "echo", n: 1 } as EchoJob);
    await waitUntil(async () =>
      (await listJobs(kvB)).some((e) => e.lease?.owner === "a")
    );
    const [held] = await listJobs(kvB);
    assert.equal(held.id, job.id);
    assert.equal(held.attempts, 1);
    // A dies mid-run: its KV handle goes, so it can neither finish nor
    // give the job back.
    kvA.close();
    closingA = a.close();
    b = startOutbox<EchoJob>(kvB, {
      echo: (j) => Promise.resolve(void ranOnB.push(j.n)),
    }, { pollMs: 25, leaseMs: 1_500, instanceId: "b" });
    await waitUntil(() => ranOnB.length === 1, 5_000);
    assert.ok(Date.now() >= held.lease!.until, "not before the lease ended");
    await waitUntil(async () => (await outboxSize(kvB)) === 0);
    assert.deepEqual(ranOnB, [1]);
  } finally {
    await b?.close();
    dying();
    await (closingA ?? a.close());
    kvB.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("after a retry succeeds, jobs waiting out a long backoff run at once", async () => {
  let up = false;
  const ran: number[] = [];
  await withOutbox({
    echo: (job) => {
      if (!up) return Promise.reject(new Error("down"));
      ran.push(job.n);
      return Promise.resolve();
    },
  }, async (kv) => {
    const slow: JobSchedule = { delayMs: 0, backoffSchedule: [60_000] };
    await schedule(kv, { kind: "echo", n: 1 } as EchoJob, slow);
    await schedule(kv, { kind: "echo", n: 2 } as EchoJob, slow);
    // A third job retries soon.
    await schedule(kv, { kind: "echo", n: 3 } as EchoJob, {
      delayMs: 0,
      backoffSchedule: [300],
    });
    await waitUntil(async () =>
      (await listJobs(kv)).filter((e) => e.attempts === 1 && !e.lease)
        .length === 3
    );
    // The far side is back: the third job's retry succeeds, and the two
    // others, a minute from their next run, follow at once.
    up = true;
    await waitUntil(() => ran.length === 3, 3_000);
    assert.deepEqual(ran.sort(), [1, 2, 3]);
  });
});

Deno.test("jobs are keyed by due time, so an idle look is one range read", async () => {
  const kv = await openKvWithoutQueues();
  try {
    const later = await schedule(kv, { kind: "echo", n: 1 } as EchoJob, {
      delayMs: 60_000,
      backoffSchedule: [],
    });
    const sooner = await schedule(kv, { kind: "echo", n: 2 } as EchoJob, {
      delayMs: 1_000,
      backoffSchedule: [],
    });
    const entry = await kv.get<OutboxEntry>(jobKey(later.dueAt, later.id));
    assert.equal(entry.value?.dueAt, later.dueAt);
    assert.deepEqual((await listJobs(kv)).map((e) => e.id), [
      sooner.id,
      later.id,
    ]);
  } finally {
    kv.close();
  }
});
