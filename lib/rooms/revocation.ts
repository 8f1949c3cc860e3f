/**
 * Ending a user's realtime access: sign-out, a sign-in that replaces a
 * session, and removal from a room (or its deletion) revoke the Ably tokens
 * issued to the user's clientId (`lib/ably/revoke.ts`). Open connections
 * holding one are cut with 40141; the island asks the token route again,
 * which answers a signed-out user 401 and a removed member 403 for that
 * room, while the user's other rooms and browsers get fresh tokens.
 *
 * Two revocations, because a token can be signed after the change from a
 * read made before it — by a request racing the commit on this instance, or
 * by another instance whose session cache has not yet seen the sign-out:
 *
 * 1. **At once**, after the commit: `issuedBefore` = now. Cuts what is
 *    open within milliseconds. Best effort, bounded to 1.5 s.
 * 2. **The follow-up**, an outbox job committed with the change itself and
 *    due at its own `issuedBefore`: the commit's start plus
 *    `TOKEN_FRESHNESS_MS` plus `COMMIT_ALLOWANCE_MS`. The token route hands
 *    out no token more than `TOKEN_FRESHNESS_MS` after the KV reads that
 *    allowed it began, and every read that could still see the old state
 *    began before the commit; so every token such a read vouched for was
 *    issued before the follow-up's `issuedBefore`. Ably refuses an
 *    `issuedBefore` in the future, which is why it waits until then. A
 *    commit that took longer than allowed for gets a second follow-up,
 *    later. Any instance runs the job; this one wakes for it on time.
 *
 * What the follow-up cannot do (Ably down) the outbox retries, until the
 * tokens it targets have expired anyway: revoking past that protects
 * nothing. A key without revocable tokens (a setting of the API key on
 * Ably) is reported once per process, with what to change, and not retried.
 */
import type * as Ably from "ably";
import { type RevokeOutcome, revokeUserTokens } from "../ably/mod.ts";
import { getLogger, traceRevocation, withDeadline } from "../platform/mod.ts";
import {
  type JobSchedule,
  type ScheduledJob,
  scheduleJob,
} from "../outbox/mod.ts";

/**
 * The longest time from the start of the KV reads that allow a token (the
 * session, the membership) to the token being handed out. The token route
 * enforces it, and the follow-up revocation relies on it.
 */
export const TOKEN_FRESHNESS_MS = 1_000;

/** How long a change's commit may take for the follow-up to still cover it. */
export const COMMIT_ALLOWANCE_MS = 250;

/** The outbox job: revoke `userId`'s tokens issued before `issuedBefore`. */
export interface RevokeJob {
  readonly kind: "revoke";
  userId: string;
  /** Epoch ms: tokens issued before this are revoked. The job is due then. */
  issuedBefore: number;
}

export interface RevokerOptions {
  kv: Deno.Kv;
  /** Authenticated with the API key itself (Ably refuses token auth here). */
  rest: Ably.Rest;
  /** The longest lifetime of a token the app issues (`ABLY_TOKEN_TTL_MS`). */
  tokenTtlMs: number;
  /** How long the revocation at once may hold the request; 1.5 s unless given. */
  inlineTimeoutMs?: number;
  /** Told of each follow-up once committed, so this instance runs it on time (`Outbox.wake`). */
  wake?: (job: ScheduledJob) => void;
  now?: () => number;
}

/** Revokes users' tokens now and, to cover racing tokens, a second later. */
export interface Revoker {
  /**
   * Adds the follow-up revocation of `userIds`' tokens to `op`; returns
   * what to run once `op` has committed (it never throws): the revocation
   * at once, and the check that the follow-up is late enough.
   */
  schedule(op: Deno.AtomicOperation, userIds: string[]): () => Promise<void>;
  /** The outbox handler of `revoke` jobs. */
  handle(job: RevokeJob): Promise<void>;
}

const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
const INLINE_TIMEOUT_MS = 1_500;
/** Ably refuses an `issuedBefore` more than an hour back (RSA17e). */
const OLDEST_ISSUED_BEFORE_MS = 60 * 60_000;

const logger = getLogger(["live", "revocation"]);

export function createRevoker(options: RevokerOptions): Revoker {
  const { kv, rest, tokenTtlMs, wake } = options;
  const now = options.now ?? Date.now;
  const inlineTimeoutMs = options.inlineTimeoutMs ?? INLINE_TIMEOUT_MS;
  let reportedNotRevocable = false;

  /** One try; `true` when nothing is left to do (done, or pointless). */
  async function attempt(job: RevokeJob, retry: boolean): Promise<boolean> {
    let outcome: RevokeOutcome | undefined;
    // The span and the sent/failed counts see a failure as a throw.
    await traceRevocation(async () => {
      outcome = await revokeUserTokens(rest, job.userId, {
        issuedBefore: job.issuedBefore,
      });
      if (outcome.kind !== "ok") throw outcome.error;
    }, { attempt: retry ? 2 : 1, targets: 1 }).catch(() => {});
    if (!outcome) return false;
    switch (outcome.kind) {
      case "ok":
        logger.info("revoked the tokens of {userId}", { userId: job.userId });
        return true;
      case "not-revocable":
        if (!reportedNotRevocable) {
          reportedNotRevocable = true;
          logger.error(
            "Ably refused to revoke tokens: {reason} Until then a signed-out or removed user keeps realtime access until their token expires (ABLY_TOKEN_TTL_MS).",
            { reason: outcome.error.message },
          );
        }
        return true;
      case "retryable":
        logger.warn(
          "revoking the tokens of {userId} failed, will retry: {reason}",
          { userId: job.userId, reason: outcome.error.message },
        );
        return false;
      case "other":
        logger.error("revoking the tokens of {userId} failed: {reason}", {
          userId: job.userId,
          reason: outcome.error.message,
        });
        return false;
    }
  }

  /** Adds to `op` one follow-up per user, covering a commit that began at `startedAt`. */
  function followUps(
    op: Deno.AtomicOperation,
    userIds: string[],
    startedAt: number,
  ): ScheduledJob[] {
    const issuedBefore = startedAt + TOKEN_FRESHNESS_MS + COMMIT_ALLOWANCE_MS;
    const schedule: JobSchedule = {
      delayMs: issuedBefore - startedAt,
      backoffSchedule: BACKOFF_MS,
      retryUntil: issuedBefore +
        Math.min(tokenTtlMs, OLDEST_ISSUED_BEFORE_MS - 60_000),
    };
    return userIds.map((userId) => {
      const job: RevokeJob = { kind: "revoke", userId, issuedBefore };
      return scheduleJob(op, job, schedule, startedAt);
    });
  }

  return {
    schedule(op, ids) {
      const userIds = [...new Set(ids)];
      const startedAt = now();
      let jobs = followUps(op, userIds, startedAt);
      return async () => {
        const committedAt = now();
        if (committedAt - startedAt > COMMIT_ALLOWANCE_MS) {
          // A slow commit: a read just before it may vouch for a token past
          // the first follow-up's `issuedBefore`. Cover it with a later one.
          const later = kv.atomic();
          const more = followUps(later, userIds, committedAt);
          const done = await later.commit().catch(() => ({ ok: false }));
          if (done.ok) jobs = [...jobs, ...more];
          else {logger.error(
              "could not schedule the later follow-up revocation",
            );}
        }
        for (const job of jobs) wake?.(job);
        await Promise.all(userIds.map((userId) =>
          withDeadline(
            attempt({ kind: "revoke", userId, issuedBefore: now() }, false),
            inlineTimeoutMs,
            "revocation",
          ).catch(() => false)
        ));
      };
    },
    async handle(job) {
      if (!(await attempt(job, true))) {
        throw new Error(`revocation of ${job.userId} not done yet`);
      }
    },
  };
}
