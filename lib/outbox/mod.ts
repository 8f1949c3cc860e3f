/**
 * The outbox: durable work after a KV commit, on plain KV keys (no KV
 * queue), run by whichever instance finds it due. `job.ts` schedules and
 * completes jobs; `runner.ts` runs them. Job kinds belong to the callers.
 */
export {
  completeJob,
  DEFAULT_SCHEDULE,
  failedJobKey,
  jobKey,
  type JobSchedule,
  listFailedJobs,
  listJobs,
  type OutboxEntry,
  type OutboxJob,
  type ScheduledJob,
  scheduleJob,
} from "./job.ts";
export {
  type JobHandlers,
  type Outbox,
  OUTBOX_DEFAULTS,
  type OutboxOptions,
  startOutbox,
} from "./runner.ts";
