/**
 * Racing work against a deadline: a request must not hang on a slow Ably or
 * KV, and an outbox job must give its lease back in time. The work itself
 * goes on when the time is up (a promise cannot be cancelled); callers are
 * written so that a late success is harmless (the same Ably message id, a
 * revocation repeated).
 */

/** Rejected by `withDeadline` when the time is up. */
export class DeadlineError extends Error {
  constructor(readonly ms: number, what: string) {
    super(`${what}: no answer in ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/**
 * `work`'s outcome, or a `DeadlineError` once `ms` have passed.
 *
 * @example
 * ```ts
 * import { withDeadline } from "./deadline.ts";
 * const answer = await withDeadline(fetch("http://127.0.0.1:9/"), 2_000, "Ably");
 * ```
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  what = "work",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(ms, what)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
