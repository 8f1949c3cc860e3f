/**
 * Running outbox jobs (`job.ts`) from any instance, with no KV queue.
 *
 * Every instance runs one runner over the shared KV. It finds due jobs with
 * one range read of `["outbox", …, now]`, and takes one by moving its key
 * to the end of a lease in an atomic commit checked against the versionstamp
 * it read: of several instances reading the same job, exactly one commit
 * succeeds, and the others skip it. The owner runs the job's handler, then
 * deletes the key (done) or moves it to its next backoff (failed), both
 * checked against its own claim. An instance that dies mid-run leaves the
 * key at its lease's end, where it falls due again and another instance
 * takes it over. So a job runs at least once, and handlers are idempotent
 * (Ably drops a re-published message id; a revocation can be repeated).
 *
 * When do instances look?
 * - At the time a job it scheduled or retried falls due (`wake`), so the
 *   instance that did the inline attempt also does the first retry, on
 *   time.
 * - Every `pollMs` (2 s unless given): one small range read, so an idle
 *   instance costs KV 0.5 reads a second, and a job left by a dead
 *   instance is found within a poll of its lease's end.
 * - When `sweep()` is called: `Deno.cron` on Deno Deploy (`lib/app/`),
 *   where isolates come and go, and tests.
 * - After a retry succeeds (the far side is back), jobs still waiting out
 *   their backoff are taken at once instead of at their due time.
 *
 * `kv.watch` would wake instances on new work, but it does not see another
 * process's writes to a local KV file, and new work is what the inline
 * attempt handles anyway: what the runner exists for is work that is due.
 */
import {
  getLogger,
  instruments,
  linkFrom,
  SPAN,
  telemetryEnabled,
  withDeadline,
  withSpan,
} from "../platform/mod.ts";
import {
  DEFAULT_SCHEDULE,
  failedJobKey,
  jobKey,
  type OutboxEntry,
  type OutboxJob,
  type ScheduledJob,
} from "./job.ts";

/** The handler of each job kind of the union `J`. */
export type JobHandlers<J extends OutboxJob> = {
  [K in J["kind"]]: (job: Extract<J, { kind: K }>) => Promise<void>;
};

export interface OutboxOptions {
  /**
   * Called once for each job given up, after it is logged and counted: a
   * job's owner counts what the job stood for (a message never delivered).
   */
  onGiveUp?: (job: OutboxJob) => void;
  /** How often to look for due jobs nobody woke this instance for; 2,000 ms unless given. */
  pollMs?: number;
  /**
   * How long a run holds its job before another instance may take it over
   * (the delay after an instance dies mid-run); 15,000 ms unless given. A
   * handler gets two thirds of it, then counts as failed.
   */
  leaseMs?: number;
  /** Jobs this instance runs at once; 8 unless given. */
  concurrency?: number;
  /** This instance's name in leases (operators see who holds a job); random unless given. */
  instanceId?: string;
  now?: () => number;
}

export const OUTBOX_DEFAULTS = { pollMs: 2_000, leaseMs: 15_000 };

/** A running outbox: this instance's share of the work. */
export interface Outbox {
  /** Whose leases are this instance's. */
  readonly instanceId: string;
  /** Runs the jobs due now; resolves with how many this call ran. */
  sweep(): Promise<number>;
  /** Runs `job` here when it falls due, rather than at the next poll. */
  wake(job: ScheduledJob): void;
  /** Stops looking and waits for the runs in progress. */
  close(): Promise<void>;
}

const logger = getLogger(["live", "outbox"]);

/**
 * Starts this instance's runner over `kv`, dispatching jobs to `handlers`
 * by kind; it looks for due jobs at once.
 *
 * @example
 * ```ts
 * import { startOutbox } from "./runner.ts";
 * const kv = await Deno.openKv(":memory:");
 * const outbox = startOutbox<{ kind: "hello" }>(kv, {
 *   hello: () => Promise.resolve(console.log("hello")),
 * });
 * await outbox.close();
 * kv.close();
 * ```
 */
export function startOutbox<J extends OutboxJob>(
  kv: Deno.Kv,
  handlers: JobHandlers<J>,
  options: OutboxOptions = {},
): Outbox {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? OUTBOX_DEFAULTS.pollMs;
  const leaseMs = options.leaseMs ?? OUTBOX_DEFAULTS.leaseMs;
  const concurrency = options.concurrency ?? 8;
  const batch = concurrency * 4;
  const instanceId = options.instanceId ?? crypto.randomUUID().slice(0, 8);
  const runTimeoutMs = Math.floor(leaseMs * 2 / 3);
  // The entry came from KV: its kind is checked at run time, not by types.
  const byKind = handlers as unknown as Record<
    string,
    ((job: OutboxJob) => Promise<void>) | undefined
  >;

  let closing = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let nextWakeAt = Infinity;
  let sweeping: Promise<number> | undefined;
  let sweepAgain = false;
  /** A retry succeeded: what else waits out a backoff may go now. */
  let recovered = false;
  const inFlight = new Set<Promise<unknown>>();

  function wakeAt(at: number): void {
    if (closing || at >= nextWakeAt) return;
    clearTimeout(timer);
    nextWakeAt = at;
    timer = setTimeout(tick, Math.max(0, at - now()));
  }

  async function tick(): Promise<void> {
    nextWakeAt = Infinity;
    timer = undefined;
    try {
      await sweep();
    } catch (error) {
      // KV unreachable: look again at the next poll.
      logger.warn("outbox sweep failed: {reason}", { reason: reasonOf(error) });
    }
    wakeAt(now() + pollMs);
  }

  function sweep(): Promise<number> {
    if (sweeping) {
      sweepAgain = true;
      return sweeping;
    }
    const run = (async () => {
      let ran = 0;
      do {
        sweepAgain = false;
        ran += await sweepOnce();
      } while (sweepAgain && !closing);
      return ran;
    })();
    sweeping = run;
    track(run);
    return run.finally(() => sweeping = undefined);
  }

  async function sweepOnce(): Promise<number> {
    const at = now();
    const due: Deno.KvEntry<OutboxEntry>[] = [];
    for await (
      const item of kv.list<OutboxEntry>(
        { start: ["outbox"], end: ["outbox", at + 1] },
        { limit: batch },
      )
    ) due.push(item);
    if (due.length === batch) sweepAgain = true;
    let ran = await runAll(due, at);
    if (recovered && !closing) {
      recovered = false;
      ran += await runAll(await waitingOutBackoff(at), at);
    }
    return ran;
  }

  /** Jobs that failed before and are not held by anyone: due early. */
  async function waitingOutBackoff(at: number) {
    const waiting: Deno.KvEntry<OutboxEntry>[] = [];
    for await (
      const item of kv.list<OutboxEntry>({ prefix: ["outbox"] }, {
        limit: batch,
      })
    ) {
      const entry = item.value;
      if (entry?.attempts > 0 && !entry.lease && entry.dueAt > at) {
        waiting.push(item);
      }
    }
    return waiting;
  }

  async function runAll(items: Deno.KvEntry<OutboxEntry>[], at: number) {
    let ran = 0;
    for (let i = 0; i < items.length && !closing; i += concurrency) {
      const outcomes = await Promise.all(
        items.slice(i, i + concurrency).map((item) =>
          take(item, at).catch((error) => {
            // KV failed around this job: it stays where it is, for a later look.
            logger.warn("outbox job {key} not taken: {reason}", {
              key: item.key.map(String).join("/"),
              reason: reasonOf(error),
            });
            return false;
          })
        ),
      );
      ran += outcomes.filter(Boolean).length;
    }
    return ran;
  }

  /** Claims `item` and runs it; `false` when someone else has it. */
  async function take(
    item: Deno.KvEntry<OutboxEntry>,
    at: number,
  ): Promise<boolean> {
    const entry = item.value;
    if (!isEntry(item.key, entry)) {
      if (await adoptQueuedJob(item, at)) return false;
      await setAside(item, "not an outbox job");
      return false;
    }
    const handler = byKind[entry.job.kind];
    if (typeof handler !== "function") {
      logger.error(
        "outbox job {outboxId} has unknown kind {kind}; moved aside",
        { outboxId: entry.id, kind: entry.job.kind },
      );
      await moveAside(item, entry);
      return false;
    }
    if (spent(entry, at)) {
      // Its last run was cut short (the instance died): nothing is left.
      giveUp(entry, "its last run did not finish");
      await moveAside(item, entry);
      return false;
    }
    const until = at + leaseMs;
    const claimed: OutboxEntry = {
      ...entry,
      attempts: entry.attempts + 1,
      dueAt: until,
      lease: { owner: instanceId, until },
    };
    const claimedKey = jobKey(until, entry.id);
    const claim = await kv.atomic().check(item).delete(item.key)
      .set(claimedKey, claimed).commit();
    if (!claim.ok) return false;
    const held = { key: claimedKey, versionstamp: claim.versionstamp };
    try {
      await withDeadline(
        runTraced(claimed, handler),
        runTimeoutMs,
        `outbox job ${entry.id}`,
      );
    } catch (error) {
      await failed(held, claimed, error);
      return true;
    }
    await kv.atomic().check(held).delete(claimedKey).commit();
    if (claimed.attempts > 1) recovered = true;
    return true;
  }

  /** After a failed run: its next backoff, or, with nothing left, given up. */
  async function failed(
    held: { key: Deno.KvKey; versionstamp: string },
    claimed: OutboxEntry,
    error: unknown,
  ): Promise<void> {
    const reason = reasonOf(error);
    const at = now();
    if (spent(claimed, at)) {
      giveUp(claimed, reason);
      await moveAside(held, claimed);
      return;
    }
    const backoff = claimed.backoffSchedule;
    const delay = backoff[Math.min(claimed.attempts, backoff.length) - 1] ?? 0;
    const { lease: _held, ...rest } = claimed;
    const next: OutboxEntry = { ...rest, dueAt: at + delay };
    const moved = await kv.atomic().check(held).delete(held.key)
      .set(jobKey(next.dueAt, next.id), next).commit();
    // Not ours any more: the lease ran out and another instance took it.
    if (!moved.ok) return;
    wakeAt(next.dueAt);
    logger.warn(
      "outbox job {outboxId} ({kind}) failed, attempt {attempts} of {maxAttempts}, next in {delayMs} ms: {reason}",
      {
        outboxId: claimed.id,
        kind: claimed.job.kind,
        attempts: claimed.attempts,
        maxAttempts: claimed.maxAttempts,
        delayMs: delay,
        reason,
        job: claimed.job,
      },
    );
  }

  /** Out of runs: past the schedule and past `retryUntil`. */
  function spent(entry: OutboxEntry, at: number): boolean {
    return entry.attempts >= entry.maxAttempts &&
      !((entry.retryUntil ?? 0) > at);
  }

  function giveUp(entry: OutboxEntry, reason: string): void {
    const kind = entry.job.kind;
    instruments.outboxGivenUp.add(1, { "live.outbox.kind": kind });
    options.onGiveUp?.(entry.job);
    logger.error(
      "outbox job {outboxId} ({kind}) given up after {attempts} attempts: {reason}",
      {
        outboxId: entry.id,
        kind,
        attempts: entry.attempts,
        reason,
        job: entry.job,
      },
    );
  }

  async function moveAside(
    held: { key: Deno.KvKey; versionstamp: string | null },
    entry: OutboxEntry,
  ): Promise<void> {
    const { lease: _held, ...rest } = entry;
    await kv.atomic().check(held).delete(held.key)
      .set(failedJobKey(entry.id), { ...rest, failedAt: now() }).commit();
  }

  /**
   * A job written by the app's earlier, KV-queue outbox (`["outbox", id]`,
   * no due time): re-keyed as due now, so an upgrade loses no pending work.
   */
  async function adoptQueuedJob(
    item: Deno.KvEntry<OutboxEntry>,
    at: number,
  ): Promise<boolean> {
    const old = item.value as Partial<OutboxEntry> | null;
    const id = item.key[1];
    if (
      item.key.length !== 2 || typeof id !== "string" ||
      typeof old?.job?.kind !== "string" || typeof old.attempts !== "number"
    ) return false;
    const entry: OutboxEntry = {
      id,
      job: old.job,
      attempts: old.attempts,
      maxAttempts: old.maxAttempts ??
        DEFAULT_SCHEDULE.backoffSchedule.length + 1,
      createdAt: old.createdAt ?? at,
      dueAt: at,
      backoffSchedule: old.backoffSchedule ??
        [...DEFAULT_SCHEDULE.backoffSchedule],
      ...(old.retryUntil === undefined ? {} : { retryUntil: old.retryUntil }),
    };
    const moved = await kv.atomic().check(item).delete(item.key)
      .set(jobKey(at, id), entry).commit();
    if (moved.ok) sweepAgain = true;
    return true;
  }

  /** A key under `["outbox"]` that holds no job of this shape: kept for an operator, out of the way. */
  async function setAside(item: Deno.KvEntry<unknown>, why: string) {
    const id = `unreadable-${crypto.randomUUID()}`;
    logger.error("outbox key {key} {why}; moved to outbox_failed/{id}", {
      key: item.key.map(String).join("/"),
      why,
      id,
    });
    await kv.atomic().check(item).delete(item.key)
      .set(failedJobKey(id), { key: item.key, value: item.value }).commit();
  }

  /**
   * One run: a new trace (the request that scheduled it is long gone) whose
   * `live.outbox.deliver` span links to the scheduling span, and the job's
   * age in `live.outbox.job.age`.
   */
  function runTraced(
    entry: OutboxEntry,
    handler: (job: OutboxJob) => Promise<void>,
  ): Promise<void> {
    if (!telemetryEnabled) return handler(entry.job);
    const kind = entry.job.kind;
    instruments.outboxJobAge.record(Math.max(0, now() - entry.createdAt), {
      "live.outbox.kind": kind,
    });
    const link = linkFrom(entry.traceparent);
    return withSpan(SPAN.outboxDeliver, async (span) => {
      span?.setAttribute("live.outbox.kind", kind);
      span?.setAttribute("live.outbox.id", entry.id);
      span?.setAttribute("live.outbox.attempt", entry.attempts);
      span?.setAttribute("live.outbox.max_attempts", entry.maxAttempts);
      span?.setAttribute("live.outbox.instance", instanceId);
      await handler(entry.job);
    }, { root: true, links: link ? [link] : undefined });
  }

  function track(work: Promise<unknown>): void {
    inFlight.add(work);
    work.catch(() => {}).finally(() => inFlight.delete(work));
  }

  wakeAt(now());

  return {
    instanceId,
    sweep,
    wake(job) {
      wakeAt(job.dueAt);
    },
    async close() {
      closing = true;
      clearTimeout(timer);
      timer = undefined;
      await Promise.allSettled([...inFlight]);
    },
  };
}

function isEntry(key: Deno.KvKey, value: unknown): value is OutboxEntry {
  if (key.length !== 3 || typeof value !== "object" || value === null) {
    return false;
  }
  const entry = value as Partial<OutboxEntry>;
  return typeof entry.id === "string" && entry.id === key[2] &&
    typeof entry.job?.kind === "string" &&
    typeof entry.attempts === "number" &&
    typeof entry.maxAttempts === "number" &&
    typeof entry.createdAt === "number" &&
    Array.isArray(entry.backoffSchedule);
}

function reasonOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
