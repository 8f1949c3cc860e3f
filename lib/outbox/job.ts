/**
 * Outbox jobs as plain KV keys: work that must happen after a KV commit,
 * outside KV (publish a stored message to Ably, revoke a user's tokens), and
 * must not be lost if doing it right away fails or the instance dies.
 *
 * No KV queue: Deno Deploy and KV Connect (self-hosted `denokv`) have none.
 * A job is one key, `["outbox", dueAt, id]` → `OutboxEntry`, so the jobs
 * that are due are one range read away (`runner.ts`), and an instance that
 * holds a job holds it by having moved its key to the end of its lease.
 *
 * A change schedules a job inside its own `kv.atomic()` (`scheduleJob`): the
 * change and the job commit together or not at all. The caller then usually
 * does the work at once and, on success, deletes the key (`completeJob`).
 * Whatever is still there when it falls due, any instance runs.
 */
import { currentTraceparent } from "../platform/mod.ts";

/** A job: `kind` selects its handler; the rest is the handler's input (plain KV-storable data). */
export interface OutboxJob {
  readonly kind: string;
}

/** What `["outbox", dueAt, id]` (and `["outbox_failed", id]`) holds. */
export interface OutboxEntry<J extends OutboxJob = OutboxJob> {
  id: string;
  job: J;
  /** Runs started so far (a run cut short by a dying instance counts). */
  attempts: number;
  /** Runs within the schedule: one plus its backoffs. */
  maxAttempts: number;
  /** Epoch ms of scheduling. */
  createdAt: number;
  /** Epoch ms from which the job may run: the second part of its key. */
  dueAt: number;
  /**
   * While an instance runs the job: that instance's id, and the epoch ms
   * its lease ends (then equal to `dueAt`). Past it, anyone may take the job.
   */
  lease?: { owner: string; until: number };
  /**
   * Epoch ms until which a job whose backoff schedule ran out is run again,
   * every last-backoff interval, instead of being given up.
   */
  retryUntil?: number;
  /** Delays between failed runs, ms. */
  backoffSchedule: number[];
  /**
   * The W3C `traceparent` of the span that scheduled the job (telemetry on
   * only): each run's `live.outbox.deliver` span links to it.
   */
  traceparent?: string;
  /** Epoch ms of giving up, in `["outbox_failed", id]`. */
  failedAt?: number;
}

/** When a job runs if nobody completes it first. */
export interface JobSchedule {
  /** Before the first run: long enough for the inline attempt to finish first. */
  delayMs: number;
  /** Between failed runs. */
  backoffSchedule: readonly number[];
  /**
   * For work that stays worth doing for a known time (a revocation matters
   * until the tokens it targets have expired): past the backoff schedule,
   * the job runs again every last-backoff interval until this epoch ms, and
   * only then is given up.
   */
  retryUntil?: number;
  /**
   * The job's id, for work that coalesces: jobs given the same id and due
   * at the same time are one job (the last commit's copy), run once. A
   * random id unless given.
   */
  id?: string;
}

/**
 * 3 s, then retries after 1, 2, 4, 8 and 8 s: about 26 s in all, so a
 * message reaches screens within seconds of Ably being reachable again.
 */
export const DEFAULT_SCHEDULE: Readonly<JobSchedule> = Object.freeze({
  delayMs: 3_000,
  backoffSchedule: Object.freeze([1_000, 2_000, 4_000, 8_000, 8_000]),
});

/** A scheduled job, as its scheduler knows it: what `completeJob` deletes. */
export interface ScheduledJob {
  id: string;
  /** Epoch ms the job falls due. */
  dueAt: number;
}

/** Where every pending job's key starts. */
export const OUTBOX_PREFIX: Deno.KvKey = ["outbox"];

export function jobKey(dueAt: number, id: string): Deno.KvKey {
  return ["outbox", dueAt, id];
}

export function failedJobKey(id: string): Deno.KvKey {
  return ["outbox_failed", id];
}

/**
 * Adds `job` to `op`, due `schedule.delayMs` from `now`. Returns what
 * `completeJob` needs after an inline success.
 *
 * @example
 * ```ts
 * import { completeJob, scheduleJob } from "./job.ts";
 * const kv = await Deno.openKv(":memory:");
 * const op = kv.atomic().set(["messages", "m1"], { text: "hi" });
 * const job = scheduleJob(op, { kind: "publish" });
 * if ((await op.commit()).ok) await completeJob(kv, job);
 * kv.close();
 * ```
 */
export function scheduleJob(
  op: Deno.AtomicOperation,
  job: OutboxJob,
  schedule: JobSchedule = DEFAULT_SCHEDULE,
  now: number = Date.now(),
): ScheduledJob {
  const id = schedule.id ?? crypto.randomUUID();
  const dueAt = now + schedule.delayMs;
  const entry: OutboxEntry = {
    id,
    job,
    attempts: 0,
    maxAttempts: schedule.backoffSchedule.length + 1,
    createdAt: now,
    dueAt,
    backoffSchedule: [...schedule.backoffSchedule],
  };
  if (schedule.retryUntil !== undefined) entry.retryUntil = schedule.retryUntil;
  const traceparent = currentTraceparent();
  if (traceparent !== undefined) entry.traceparent = traceparent;
  op.set(jobKey(dueAt, id), entry);
  return { id, dueAt };
}

/**
 * Marks `job` done (its work happened inline). A blind delete: if an
 * instance took the job meanwhile, its key moved and that instance finishes
 * it, which handlers allow (they are idempotent).
 */
export async function completeJob(
  kv: Deno.Kv,
  job: ScheduledJob,
): Promise<void> {
  await kv.delete(jobKey(job.dueAt, job.id));
}

/** Pending jobs, soonest due first (bounded): tests and operators look here. */
export function listJobs(kv: Deno.Kv, limit = 100): Promise<OutboxEntry[]> {
  return entriesUnder(kv, OUTBOX_PREFIX, limit);
}

/** Jobs given up on (bounded), for an operator to look at. */
export function listFailedJobs(
  kv: Deno.Kv,
  limit = 100,
): Promise<OutboxEntry[]> {
  return entriesUnder(kv, ["outbox_failed"], limit);
}

async function entriesUnder(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
): Promise<OutboxEntry[]> {
  const entries = [];
  for await (const item of kv.list<OutboxEntry>({ prefix }, { limit })) {
    entries.push(item.value);
  }
  return entries;
}
