/**
 * Ending a user's realtime access within seconds: sign-out, and removal from
 * a room (or its deletion), revoke every Ably token issued to the user's
 * clientId until now (`lib/ably/revoke.ts`). Open connections holding one
 * are cut with 40141; the island asks the token route again, which answers a
 * signed-out user 401 and a removed member 403 for that room, while the
 * user's other rooms and browsers get fresh tokens and carry on.
 *
 * A revocation must not block the sign-out or the removal, and must not be
 * lost: `schedule` adds an outbox job (`lib/outbox.ts`) to the caller's own
 * `kv.atomic()`, and the attempt it returns runs once the change has
 * committed. What that attempt cannot do (Ably down) the outbox retries,
 * until the tokens it targets have expired anyway (`issuedBefore` plus the
 * token lifetime): revoking past that point protects nothing.
 *
 * A key without revocable tokens (a setting of the API key on Ably) is
 * reported once per process, with what to change, and not retried.
 */
import type * as Ably from "ably";
import { type RevokeOutcome, revokeUserTokens } from "./ably/revoke.ts";
import { getLogger } from "./log.ts";
import { completeJob, type JobSchedule, scheduleJob } from "./outbox.ts";
import { traceRevocation } from "./telemetry.ts";

/** The outbox job: revoke `userId`'s tokens issued before `issuedBefore`. */
export interface RevokeJob {
  readonly kind: "revoke";
  userId: string;
  /** Epoch ms: tokens issued before this are revoked. */
  issuedBefore: number;
}

export interface RevokerOptions {
  kv: Deno.Kv;
  /** Authenticated with the API key itself (Ably refuses token auth here). */
  rest: Ably.Rest;
  /** The longest lifetime of a token the app issues (`ABLY_TOKEN_TTL_MS`). */
  tokenTtlMs: number;
  /** How long the inline attempt may hold the request; 1.5 s unless given. */
  inlineTimeoutMs?: number;
  now?: () => number;
}

/** Revokes users' tokens now and, failing that, later. */
export interface Revoker {
  /**
   * Adds the revocation of `userIds`' tokens to `op`; returns the inline
   * attempt to await once `op` has committed (it never throws).
   */
  schedule(op: Deno.AtomicOperation, userIds: string[]): () => Promise<void>;
  /** The outbox handler of `revoke` jobs. */
  handle(job: RevokeJob): Promise<void>;
}

/** First delivery after the inline attempt had its chance, then backing off. */
const FIRST_RETRY_MS = 3_000;
const BACKOFF_MS = [2_000, 5_000, 10_000, 30_000, 60_000];
const INLINE_TIMEOUT_MS = 1_500;

const logger = getLogger(["live", "revocation"]);

export function createRevoker(options: RevokerOptions): Revoker {
  const { kv, rest, tokenTtlMs } = options;
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
          {
            userId: job.userId,
            reason: outcome.error.message,
          },
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

  return {
    schedule(op, userIds) {
      const issuedBefore = now();
      const schedule: JobSchedule = {
        delayMs: FIRST_RETRY_MS,
        backoffSchedule: BACKOFF_MS,
        retryUntil: issuedBefore + tokenTtlMs,
      };
      const jobs = [...new Set(userIds)].map((userId) => {
        const job: RevokeJob = { kind: "revoke", userId, issuedBefore };
        return { job, id: scheduleJob(op, job, schedule, issuedBefore) };
      });
      return async () => {
        await Promise.all(jobs.map(async ({ job, id }) => {
          const done = await withDeadline(attempt(job, false), inlineTimeoutMs);
          if (done) await completeJob(kv, id).catch(() => {});
        }));
      };
    },
    async handle(job) {
      if (!(await attempt(job, true))) {
        throw new Error(`revocation of ${job.userId} not done yet`);
      }
    },
  };
}

/** `work`'s result, or `false` once `ms` have passed (the work goes on). */
async function withDeadline(work: Promise<boolean>, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
