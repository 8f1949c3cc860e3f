/**
 * Ending a user's realtime access (`lib/ably/revoke.ts` names the targets):
 *
 * - Sign-out, and a sign-in that replaces a session (`schedule`): every
 *   token of the user's clientId, `clientId:<userId>`.
 * - Removal from a room, or its deletion (`scheduleRemoval`): in `jwt` mode
 *   only the JWTs of that user and room, `revocationKey:room:<roomId>:<userId>`
 *   (`roomRevocationKey`), so the user's other rooms keep their connections.
 *   In `request` and `token` mode Ably has nothing narrower than the
 *   clientId, so it is all the user's tokens: their other rooms are cut too
 *   and reconnect at once with fresh tokens (the island's `authCallback`).
 *
 * Open connections holding a revoked token are cut with 40141; the island
 * asks the token route again, which answers a signed-out user 401 and a
 * removed member 403 for that room.
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
 * **Coalesced per target.** Changes to one target within one window of
 * `COALESCE_WINDOW_MS` (aligned to the epoch, so every instance agrees)
 * share one follow-up: its `issuedBefore` is the window's end plus the two
 * allowances, late enough for every commit in the window, and its outbox id
 * names the target and that time, so each commit writes the same job and it
 * runs once. The revocation at once is made once per target and window by
 * each instance: a later change in the same window leaves its cut to the
 * shared follow-up, due at most `COALESCE_WINDOW_MS` + 1.25 s after it.
 * So an owner removing and re-adding one member in a loop costs Ably about
 * two calls per half second, not two per removal.
 *
 * What the follow-up cannot do (Ably down) the outbox retries, until the
 * tokens it targets have expired anyway: revoking past that protects
 * nothing. A key without revocable tokens (a setting of the API key on
 * Ably) is reported once per process, with what to change, and not retried.
 */
import type * as Ably from "ably";
import {
  type RevocationTarget,
  type RevokeOutcome,
  revokeTarget,
  roomTarget,
  userTarget,
} from "../ably/mod.ts";
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

/** Changes to one target within one such window share their revocations. */
export const COALESCE_WINDOW_MS = 500;

/** The outbox job: revoke `target`'s tokens issued before `issuedBefore`. */
export interface RevokeJob {
  readonly kind: "revoke";
  /** Whose tokens; jobs stored before targets existed name `userId` instead. */
  target?: RevocationTarget;
  /** The clientId of a job stored before `target` existed. */
  userId?: string;
  /** Epoch ms: tokens issued before this are revoked. The job is due then. */
  issuedBefore: number;
}

export interface RevokerOptions {
  kv: Deno.Kv;
  /** Authenticated with the API key itself (Ably refuses token auth here). */
  rest: Ably.Rest;
  /** The longest lifetime of a token the app issues (`ABLY_TOKEN_TTL_MS`). */
  tokenTtlMs: number;
  /**
   * Whether a removal can revoke one room's tokens (`jwt` mode, whose JWTs
   * carry `roomRevocationKey`); otherwise (the default) it revokes the
   * user's clientId.
   */
  roomScoped?: boolean;
  /** How the revocation calls go out; `revokeTarget` unless given (tests count calls). */
  revoke?: typeof revokeTarget;
  /** How long the revocation at once may hold the request; 1.5 s unless given. */
  inlineTimeoutMs?: number;
  /** Told of each follow-up once committed, so this instance runs it on time (`Outbox.wake`). */
  wake?: (job: ScheduledJob) => void;
  now?: () => number;
}

/** Revokes users' tokens now and, to cover racing tokens, a second later. */
export interface Revoker {
  /**
   * Adds the follow-up revocation of all of `userIds`' tokens to `op`
   * (sign-out); returns what to run once `op` has committed (it never
   * throws): the revocation at once, and the check that the follow-up is
   * late enough.
   */
  schedule(op: Deno.AtomicOperation, userIds: string[]): () => Promise<void>;
  /**
   * As `schedule`, for `userIds` losing room `roomId`: that room's tokens
   * alone where the mode allows it (`roomScoped`), else all of theirs.
   */
  scheduleRemoval(
    op: Deno.AtomicOperation,
    roomId: string,
    userIds: string[],
  ): () => Promise<void>;
  /** The outbox handler of `revoke` jobs. */
  handle(job: RevokeJob): Promise<void>;
}

const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
const INLINE_TIMEOUT_MS = 1_500;
/** Ably refuses an `issuedBefore` more than an hour back (RSA17e). */
const OLDEST_ISSUED_BEFORE_MS = 60 * 60_000;
/** Targets remembered for coalescing the revocation at once, per window. */
const MAX_REMEMBERED = 10_000;

const logger = getLogger(["live", "revocation"]);

export function createRevoker(options: RevokerOptions): Revoker {
  const { kv, rest, tokenTtlMs, wake, roomScoped = false } = options;
  const now = options.now ?? Date.now;
  const revoke = options.revoke ?? revokeTarget;
  const inlineTimeoutMs = options.inlineTimeoutMs ?? INLINE_TIMEOUT_MS;
  let reportedNotRevocable = false;
  /** The window each target's last revocation at once was made in. */
  let inlineWindow = -1;
  let inlineDone = new Set<RevocationTarget>();

  /** One try; `true` when nothing is left to do (done, or pointless). */
  async function attempt(
    target: RevocationTarget,
    issuedBefore: number,
    retry: boolean,
  ): Promise<boolean> {
    let outcome: RevokeOutcome | undefined;
    // The span and the sent/failed counts see a failure as a throw.
    await traceRevocation(async () => {
      outcome = await revoke(rest, target, { issuedBefore });
      if (outcome.kind !== "ok") throw outcome.error;
    }, { attempt: retry ? 2 : 1, targets: 1 }).catch(() => {});
    if (!outcome) return false;
    switch (outcome.kind) {
      case "ok":
        logger.info("revoked the tokens of {target}", { target });
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
          "revoking the tokens of {target} failed, will retry: {reason}",
          { target, reason: outcome.error.message },
        );
        return false;
      case "other":
        logger.error("revoking the tokens of {target} failed: {reason}", {
          target,
          reason: outcome.error.message,
        });
        return false;
    }
  }

  /**
   * Adds to `op` the follow-up of each target for a commit that began at
   * `startedAt`: the one of its window, shared with every other commit in
   * it (the same id, the same due time).
   */
  function followUps(
    op: Deno.AtomicOperation,
    targets: RevocationTarget[],
    startedAt: number,
  ): ScheduledJob[] {
    const windowEnd = (Math.floor(startedAt / COALESCE_WINDOW_MS) + 1) *
      COALESCE_WINDOW_MS;
    const issuedBefore = windowEnd + TOKEN_FRESHNESS_MS + COMMIT_ALLOWANCE_MS;
    return targets.map((target) => {
      const schedule: JobSchedule = {
        delayMs: issuedBefore - startedAt,
        backoffSchedule: BACKOFF_MS,
        retryUntil: issuedBefore +
          Math.min(tokenTtlMs, OLDEST_ISSUED_BEFORE_MS - 60_000),
        id: `revoke.${issuedBefore}.${target}`,
      };
      const job: RevokeJob = { kind: "revoke", target, issuedBefore };
      return scheduleJob(op, job, schedule, startedAt);
    });
  }

  /** The targets whose revocation at once this window has not yet made. */
  function firstInWindow(targets: RevocationTarget[], at: number) {
    const window = Math.floor(at / COALESCE_WINDOW_MS);
    if (window !== inlineWindow || inlineDone.size >= MAX_REMEMBERED) {
      inlineWindow = window;
      inlineDone = new Set();
    }
    const fresh = targets.filter((target) => !inlineDone.has(target));
    for (const target of fresh) inlineDone.add(target);
    return fresh;
  }

  function scheduleTargets(
    op: Deno.AtomicOperation,
    given: RevocationTarget[],
  ): () => Promise<void> {
    const targets = [...new Set(given)];
    const startedAt = now();
    let jobs = followUps(op, targets, startedAt);
    return async () => {
      const committedAt = now();
      if (committedAt - startedAt > COMMIT_ALLOWANCE_MS) {
        // A slow commit: a read just before it may vouch for a token past
        // the first follow-up's `issuedBefore`. Cover it with a later one.
        const later = kv.atomic();
        const more = followUps(later, targets, committedAt);
        const done = await later.commit().catch(() => ({ ok: false }));
        if (done.ok) jobs = [...jobs, ...more];
        else {logger.error(
            "could not schedule the later follow-up revocation",
          );}
      }
      for (const job of jobs) wake?.(job);
      await Promise.all(
        firstInWindow(targets, committedAt).map((target) =>
          withDeadline(
            attempt(target, now(), false),
            inlineTimeoutMs,
            "revocation",
          ).catch(() => false)
        ),
      );
    };
  }

  return {
    schedule(op, userIds) {
      return scheduleTargets(op, userIds.map(userTarget));
    },
    scheduleRemoval(op, roomId, userIds) {
      return scheduleTargets(
        op,
        userIds.map((id) =>
          roomScoped ? roomTarget(roomId, id) : userTarget(id)
        ),
      );
    },
    async handle(job) {
      const target = job.target ?? userTarget(job.userId ?? "");
      if (!(await attempt(target, job.issuedBefore, true))) {
        throw new Error(`revocation of ${target} not done yet`);
      }
    },
  };
}
