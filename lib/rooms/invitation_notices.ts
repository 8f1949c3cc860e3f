/**
 * The live notice of an invitation: a message named `INVITATION_NAME`,
 * `{ roomId }`, on the invitee's own channel (`user:<id>`, where only the
 * server publishes), so that the invitation shows on their open `/`
 * without a reload. The island then asks the server for the invitation
 * (`GET /api/invitations`): the message carries no name to trust.
 *
 * The notice is an outbox job committed with the invitation itself
 * (`inviteMember` passes `schedule` as the invite's `extend`) and tried at
 * once after the commit; if Ably fails, the outbox publishes it later from
 * whichever instance finds it due (`handle`, registered for kind
 * "invitation" in `lib/app/services.ts`). A notice published twice only
 * makes the island ask twice.
 */
import { INVITATION_NAME } from "../contract/mod.ts";
import type { Publisher } from "../ably/mod.ts";
import { getLogger, withDeadline } from "../platform/mod.ts";
import { completeJob, type ScheduledJob, scheduleJob } from "../outbox/mod.ts";
import { inviteByLogin, type InviteResult } from "./invitations.ts";
import type { Actor } from "./rooms.ts";

const logger = getLogger(["live", "invitations"]);

/** How long the notice at once may hold the invite's request. */
const INLINE_TIMEOUT_MS = 1_500;

/** The outbox job: tell `userId` of their invitation to `roomId`. */
export interface InvitationNoticeJob {
  readonly kind: "invitation";
  userId: string;
  roomId: string;
}

/** Sends invitation notices now, and through the outbox if that fails. */
export interface InvitationNotices {
  /**
   * Adds the notice's job to `op`; returns what to run once `op` has
   * committed (it never throws).
   */
  schedule(
    op: Deno.AtomicOperation,
    userId: string,
    roomId: string,
  ): () => Promise<void>;
  /** The outbox handler of `invitation` jobs; throws when Ably fails. */
  handle(job: InvitationNoticeJob): Promise<void>;
}

export interface InvitationNoticesOptions {
  kv: Deno.Kv;
  /** The server's publisher on `user:<id>` channels. */
  publisher: Publisher;
  /** Told of a job whose notice at once failed, so this instance retries it (`Outbox.wake`). */
  wake?: (job: ScheduledJob) => void;
}

/** The notices over `publisher`. */
export function createInvitationNotices(
  { kv, publisher, wake }: InvitationNoticesOptions,
): InvitationNotices {
  const publish = (job: InvitationNoticeJob) =>
    publisher.publishToUser(job.userId, INVITATION_NAME, {
      roomId: job.roomId,
    });
  return {
    schedule(op, userId, roomId) {
      const job: InvitationNoticeJob = { kind: "invitation", userId, roomId };
      const scheduled = scheduleJob(op, job);
      return async () => {
        try {
          await withDeadline(publish(job), INLINE_TIMEOUT_MS, "Ably publish");
        } catch (error) {
          logger.warn(
            "invitation notice failed; the outbox retries: {reason}",
            {
              roomId,
              reason: (error as Error)?.message ?? String(error),
            },
          );
          wake?.(scheduled);
          return;
        }
        // A failed delete only means the notice is sent once more.
        await completeJob(kv, scheduled).catch(() => {});
      };
    },
    handle: publish,
  };
}

/** What an invitation with its notice works with. */
export interface InvitationChanges {
  kv: Deno.Kv;
  notices: InvitationNotices;
}

/**
 * `inviteByLogin` with the live notice to the invitee in the same commit,
 * sent once it is done. A repeat (the invitation was open) sends none.
 *
 * @throws {ChatError} as `inviteByLogin`.
 */
export async function inviteMember(
  { kv, notices }: InvitationChanges,
  owner: Actor,
  roomId: string,
  login: string,
): Promise<InviteResult> {
  let send: (() => Promise<void>) | undefined;
  const result = await inviteByLogin(kv, owner, roomId, login, {
    extend: (op, [userId]) => send = notices.schedule(op, userId, roomId),
  });
  if (result.created) await send?.();
  return result;
}
