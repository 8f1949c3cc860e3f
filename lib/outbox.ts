/**
 * The outbox: work that must happen after a KV commit, outside KV (publish a
 * message to Ably, revoke a user's tokens), and must not be lost if doing it
 * right away fails or the process dies.
 *
 * A change schedules a job inside its own `kv.atomic()` (`scheduleJob`):
 * `["outbox", id]` → `OutboxEntry`, and a KV queue message `{ outboxId }`
 * with a delay and a backoff schedule. Both commit or neither does. The
 * caller then usually does the work at once and calls `completeJob`, which
 * deletes the entry; when the delayed queue message arrives, the dispatcher
 * (`startOutbox`) finds no entry and does nothing. If the entry is still
 * there, the dispatcher runs the job's handler, deletes the entry on success,
 * and on failure counts the attempt and queues the next delivery itself, in
 * the same commit, after the schedule's next backoff (rather than throwing
 * for KV to redeliver: Deno prints every handler exception with its stack,
 * which during an outage buries the log). After the last attempt it logs an
 * error and moves the entry to `["outbox_failed", id]`. KV's own backoff
 * stays on every queue message as the safety net for a process that dies
 * mid-delivery, and KV writes that same key (`keysIfUndelivered`) if a
 * delivery is never handled: a job is never dropped without a trace. Handlers must therefore be idempotent — a job can
 * run after, or at the same time as, the inline attempt.
 *
 * Jobs are typed by `kind`; `startOutbox` takes one handler per kind, so a
 * new kind (`{ kind: "revoke", userId, issuedBefore }`) is a type and a
 * handler, nothing more. Deno allows one `kv.listenQueue` per KV handle: the
 * dispatcher owns it, and nothing else may listen on that handle.
 */
import { getLogger } from "./log.ts";
import {
  currentTraceparent,
  instruments,
  linkFrom,
  SPAN,
  telemetryEnabled,
  withSpan,
} from "./telemetry.ts";

/** A job: `kind` selects its handler; the rest is the handler's input (plain KV-storable data). */
export interface OutboxJob {
  readonly kind: string;
}

/** What `["outbox", id]` (and `["outbox_failed", id]`) holds. */
export interface OutboxEntry<J extends OutboxJob = OutboxJob> {
  job: J;
  /** Failed attempts so far. */
  attempts: number;
  /** Deliveries within the schedule: one plus its backoffs. */
  maxAttempts: number;
  /** Epoch ms of scheduling. */
  createdAt: number;
  /** Epoch ms of giving up, in `["outbox_failed", id]`. */
  failedAt?: number;
  /**
   * Epoch ms until which a job whose backoff schedule ran out is delivered
   * again, every last-backoff interval, instead of being given up (see
   * `JobSchedule.retryUntil`).
   */
  retryUntil?: number;
  /** Delays between failed deliveries, ms (the schedule's `backoffSchedule`). */
  backoffSchedule?: number[];
  /**
   * The W3C `traceparent` of the span that scheduled the job (telemetry on
   * only): each delivery's `live.outbox.deliver` span links to it, so a
   * retry leads back to the request that asked for the work.
   */
  traceparent?: string;
}

/** When the queue delivers a job. */
export interface JobSchedule {
  /** Before the first delivery: long enough for the inline attempt to finish first. */
  delayMs: number;
  /** Between failed deliveries (KV's `backoffSchedule`, at most 5 entries). */
  backoffSchedule: number[];
  /**
   * For work that stays worth doing for a known time (a revocation matters
   * until the tokens it targets have expired): past the backoff schedule,
   * the job is queued again, every last-backoff interval, until this epoch
   * ms, and only then given up.
   */
  retryUntil?: number;
}

/**
 * 3 s, then retries after 2, 5, 10, 20 and 30 s: about 70 s in all. Kept
 * under Ably's two-minute idempotency window, within which a re-publish with
 * the same message id is dropped rather than delivered twice.
 */
export const DEFAULT_SCHEDULE: Readonly<JobSchedule> = Object.freeze({
  delayMs: 3_000,
  backoffSchedule: [2_000, 5_000, 10_000, 20_000, 30_000],
});

/** The handler of each job kind of the union `J`. */
export type JobHandlers<J extends OutboxJob> = {
  [K in J["kind"]]: (job: Extract<J, { kind: K }>) => Promise<void>;
};

/** The queue message: only a pointer, so the entry in KV stays the truth. */
interface QueueMessage {
  outboxId: string;
}

export function outboxKey(id: string): Deno.KvKey {
  return ["outbox", id];
}

export function failedJobKey(id: string): Deno.KvKey {
  return ["outbox_failed", id];
}

const logger = getLogger(["live", "outbox"]);

/**
 * Adds `job` to `op`: its outbox entry and its delayed queue message.
 * Returns the job's id, for `completeJob` after an inline success.
 *
 * @example
 * ```ts
 * const op = kv.atomic().set(key, value);
 * const jobId = scheduleJob(op, { kind: "publish", roomId, messageId });
 * if ((await op.commit()).ok) { await publish(); await completeJob(kv, jobId); }
 * ```
 */
export function scheduleJob(
  op: Deno.AtomicOperation,
  job: OutboxJob,
  schedule: JobSchedule = DEFAULT_SCHEDULE,
  now: number = Date.now(),
): string {
  const id = crypto.randomUUID();
  const entry: OutboxEntry = {
    job,
    attempts: 0,
    maxAttempts: schedule.backoffSchedule.length + 1,
    createdAt: now,
    backoffSchedule: [...schedule.backoffSchedule],
    ...(schedule.retryUntil === undefined
      ? {}
      : { retryUntil: schedule.retryUntil }),
  };
  const traceparent = currentTraceparent();
  if (traceparent !== undefined) entry.traceparent = traceparent;
  const message: QueueMessage = { outboxId: id };
  op.set(outboxKey(id), entry).enqueue(message, {
    delay: schedule.delayMs,
    backoffSchedule: schedule.backoffSchedule,
    keysIfUndelivered: [failedJobKey(id)],
  });
  return id;
}

/** Marks job `id` done (its work happened inline): the queue will skip it. */
export async function completeJob(kv: Deno.Kv, id: string): Promise<void> {
  await kv.delete(outboxKey(id));
}

/** Jobs given up on, oldest first (bounded), for an operator to look at. */
export async function listFailedJobs(
  kv: Deno.Kv,
  limit = 100,
): Promise<{ id: string; entry: OutboxEntry | QueueMessage }[]> {
  const failed = [];
  for await (
    const item of kv.list<OutboxEntry | QueueMessage>({
      prefix: ["outbox_failed"],
    }, { limit })
  ) failed.push({ id: item.key[1] as string, entry: item.value });
  return failed;
}

/** The running dispatcher. */
export interface Outbox {
  /**
   * Stops taking jobs (a delivery arriving now is thrown back to the queue,
   * to be retried later) and waits for the ones in progress.
   */
  close(): Promise<void>;
  /**
   * Settles when the queue listener has ended, which Deno does only when
   * the KV handle is closed: `await outbox.close(); kv.close(); await
   * outbox.stopped;`.
   */
  readonly stopped: Promise<void>;
}

/**
 * Starts the one queue listener of `kv`, dispatching jobs to `handlers` by
 * kind.
 *
 * @example
 * ```ts
 * type Job = PublishJob | RevokeJob;
 * const outbox = startOutbox<Job>(kv, {
 *   publish: publishJobHandler(kv, rest),
 *   revoke: (job) => revoke(job.userId, job.issuedBefore),
 * });
 * ```
 */
export function startOutbox<J extends OutboxJob>(
  kv: Deno.Kv,
  handlers: JobHandlers<J>,
  { now = Date.now }: { now?: () => number } = {},
): Outbox {
  const inFlight = new Set<Promise<void>>();
  let closing = false;

  async function deliver(id: string): Promise<void> {
    const read = await kv.get<OutboxEntry>(outboxKey(id));
    const entry = read.value;
    if (entry === null) return;
    const kind = entry.job?.kind;
    // The entry came from KV: its kind is checked here, not by the type system.
    const handler = (handlers as unknown as Record<
      string,
      ((job: OutboxJob) => Promise<void>) | undefined
    >)[kind];
    if (typeof handler !== "function") {
      logger.error(
        "outbox job {outboxId} has unknown kind {kind}; moved aside",
        {
          outboxId: id,
          kind,
        },
      );
      await moveAside(id, read, entry, entry.attempts);
      return;
    }
    try {
      await runTraced(id, entry, handler);
    } catch (error) {
      await retryLater(id, read, entry, error);
      return;
    }
    await kv.atomic().check(read).delete(outboxKey(id)).commit();
  }

  /**
   * One delivery of a job with work left: a new trace (the request that
   * scheduled it is long gone) whose `live.outbox.deliver` span links to the
   * scheduling span, and the job's age in `live.outbox.job.age`.
   */
  function runTraced(
    id: string,
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
      span?.setAttribute("live.outbox.id", id);
      span?.setAttribute("live.outbox.attempt", entry.attempts + 1);
      span?.setAttribute("live.outbox.max_attempts", entry.maxAttempts);
      await handler(entry.job);
    }, { root: true, links: link ? [link] : undefined });
  }

  /**
   * Counts a failed attempt and queues the next delivery, in one commit; or,
   * past the last attempt (and past `retryUntil`), gives the job up.
   */
  async function retryLater(
    id: string,
    read: Deno.KvEntryMaybe<OutboxEntry>,
    entry: OutboxEntry,
    error: unknown,
  ): Promise<void> {
    const kind = entry.job.kind;
    const attempts = entry.attempts + 1;
    const reason = (error as Error)?.message ?? String(error);
    const backoff = entry.backoffSchedule ?? DEFAULT_SCHEDULE.backoffSchedule;
    const last = attempts >= entry.maxAttempts;
    if (last && !((entry.retryUntil ?? 0) > now())) {
      instruments.outboxGivenUp.add(1, { "live.outbox.kind": kind });
      if (kind === "publish") instruments.messagesGivenUp.add(1);
      logger.error(
        "outbox job {outboxId} ({kind}) given up after {attempts} attempts: {reason}",
        { outboxId: id, kind, attempts, reason, job: entry.job },
      );
      await moveAside(id, read, entry, attempts);
      return;
    }
    // Within the schedule, its next backoff; past it (a job still worth
    // doing), its last, for as long as `retryUntil` allows.
    const delay = backoff[Math.min(attempts, backoff.length) - 1] ?? 0;
    const message: QueueMessage = { outboxId: id };
    const counted = await kv.atomic().check(read)
      .set(outboxKey(id), { ...entry, attempts })
      .enqueue(message, {
        delay,
        backoffSchedule: backoff,
        keysIfUndelivered: [failedJobKey(id)],
      }).commit();
    // The entry changed: the inline attempt completed it meanwhile.
    if (!counted.ok) return;
    logger.warn(
      "outbox job {outboxId} ({kind}) failed, attempt {attempts} of {maxAttempts}, next in {delayMs} ms: {reason}",
      {
        outboxId: id,
        kind,
        attempts,
        maxAttempts: entry.maxAttempts,
        delayMs: delay,
        reason,
        job: entry.job,
      },
    );
  }

  async function moveAside(
    id: string,
    read: Deno.KvEntryMaybe<OutboxEntry>,
    entry: OutboxEntry,
    attempts: number,
  ): Promise<void> {
    await kv.atomic().check(read).delete(outboxKey(id))
      .set(failedJobKey(id), { ...entry, attempts, failedAt: now() })
      .commit();
  }

  const stopped = kv.listenQueue(async (message: unknown) => {
    if (!isQueueMessage(message)) {
      logger.warn("queue message that is no outbox job ignored");
      return;
    }
    if (closing) {
      throw new Error("outbox closing: job left to a later delivery");
    }
    const run = deliver(message.outboxId);
    inFlight.add(run);
    try {
      await run;
    } finally {
      inFlight.delete(run);
    }
  });

  return {
    async close() {
      closing = true;
      await Promise.allSettled([...inFlight]);
    },
    stopped,
  };
}

function isQueueMessage(value: unknown): value is QueueMessage {
  return typeof value === "object" && value !== null &&
    typeof (value as QueueMessage).outboxId === "string";
}
