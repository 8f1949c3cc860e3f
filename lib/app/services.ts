/**
 * The composition root: builds every service the routes use from the
 * configuration — KV, sign-in, Ably, the outbox that publishes stored
 * messages and revokes tokens, the rate limits — once per process
 * (the app plugin, `plugin.ts`, calls it; so do benches that need the
 * services without HTTP).
 *
 * With no environment at all this starts the whole product on one machine: a
 * KV file, the embedded OpenID Connect provider and the Ably emulator.
 */
import { type AblyServices, startAblyServices } from "../ably/mod.ts";
import { type Auth, startAuthServices } from "../auth/mod.ts";
import { type AppConfig, openKv } from "../platform/mod.ts";
import type { Idp } from "../idp/mod.ts";
import {
  countGivenUp,
  createInvitationNotices,
  createRevoker,
  indexPublicRoomsByAge,
  indexUserHandles,
  type InvitationNoticeJob,
  type InvitationNotices,
  type PublishJob,
  publishJobHandler,
  type RevokeJob,
  type Revoker,
  saveUser,
} from "../rooms/mod.ts";
import { type Outbox, startOutbox } from "../outbox/mod.ts";
import { RateLimiter } from "../http/mod.ts";

/**
 * The rate limits, each keyed as its route says and counted in KV: each holds
 * across every instance on the store (`lib/http/rate_limit.ts`).
 */
export interface RateLimits {
  /** `GET /api/live` per session (`LIVE_RATE_LIMIT_PER_MIN`). */
  live: RateLimiter;
  /**
   * `GET /auth/signin` per client address (`SIGNIN_RATE_LIMIT_PER_MIN`):
   * each start writes a KV record, so an unauthenticated flood must not be
   * able to fill KV.
   */
  signIn: RateLimiter;
  /**
   * `POST /api/notify-me` per session (`NOTIFY_RATE_LIMIT_PER_MIN`): each
   * call is an Ably publish paid with the server's key.
   */
  notify: RateLimiter;
  /**
   * Message sends, edits and deletes per user, whatever their sessions
   * (`MESSAGE_RATE_LIMIT_PER_MIN`): each is a KV write and a publish.
   */
  messages: RateLimiter;
  /**
   * Invitations, removals and room deletions per user, whatever their
   * sessions (`MEMBER_CHANGE_RATE_LIMIT_PER_MIN`), on the API and the
   * members panel's forms alike: each removal is a token revocation.
   */
  memberChanges: RateLimiter;
  /**
   * Invitations per login invited, whoever invites
   * (`INVITE_TARGET_RATE_LIMIT_PER_MIN`). Only invitations are counted per
   * target: a person can only be removed from a room they were added to,
   * so this bounds how often anyone can cut them off, while an owner can
   * always remove a member (no attacker can use up that allowance for them).
   */
  inviteTargets: RateLimiter;
}

/** What routes may use, through `ctx.state`. */
export interface Services {
  /**
   * The configuration, read once: `trustProxy` decides what a request's
   * origin is (`lib/http/request_origin.ts`).
   */
  config: AppConfig;
  /** The app's KV store. */
  kv: Deno.Kv;
  /** Sign-in and session look-up. */
  auth: Auth;
  /** Tokens for `/api/live`, the server's publisher, the browser's options. */
  ably: AblyServices;
  /** Rate limits, built from the configuration with fresh counters. */
  limits: RateLimits;
  /** Ends users' realtime access: sign-out, removal from a room. */
  revoker: Revoker;
  /** Tells an invitee live of their invitation, on their own channel. */
  invitationNotices: InvitationNotices;
  /** This instance's share of the work that follows commits (`lib/outbox/`). */
  outbox: Outbox;
}

export interface RunningServices extends AsyncDisposable {
  services: Services;
  /** The configuration they were built from. */
  config: AppConfig;
  /** The embedded OpenID Connect provider, when `OAUTH_PROVIDER` is unset. */
  idp: Idp | undefined;
  /** Stops everything started here, KV (if opened here) last. */
  close(): Promise<void>;
}

export interface StartServicesOptions {
  /** Opened instead of `config.kvPath` (tests: `:memory:`). */
  kvPath?: string;
  /**
   * An open store to use instead of opening one; it stays the caller's to
   * close. Tests pass a wrapped store to make KV fail on demand.
   */
  kv?: Deno.Kv;
}

/** Starts the services `config` names; see the module comment. */
export async function startServices(
  config: AppConfig,
  options: StartServicesOptions = {},
): Promise<RunningServices> {
  const kv = options.kv ?? await openKv(options.kvPath ?? config.kvPath);
  await indexPublicRoomsByAge(kv);
  await indexUserHandles(kv);
  const ably = await startAblyServices(config.ably);
  // The revoker wakes the outbox for its follow-ups, which happen after a
  // request's commit, so long after `outbox` below is set.
  const revoker = createRevoker({
    kv,
    rest: ably.tokens.rest,
    tokenTtlMs: config.ably.tokenTtlMs,
    // Only JWTs carry a revocation key (`lib/ably/revoke.ts`).
    roomScoped: config.ably.tokenMode === "jwt",
    wake: (job) => outbox.wake(job),
  });
  const invitationNotices = createInvitationNotices({
    kv,
    publisher: ably.publisher,
    wake: (job) => outbox.wake(job),
  });
  // Work that follows a commit, run by whichever instance finds it due:
  // publishing stored messages whose inline publish did not happen
  // (`lib/rooms/`), revoking tokens (`lib/rooms/revocation.ts`), telling
  // invitees (`lib/rooms/invitation_notices.ts`). Plain KV keys, no KV
  // queue (Deno Deploy and KV Connect have none).
  const outbox = startOutbox<PublishJob | RevokeJob | InvitationNoticeJob>(kv, {
    publish: publishJobHandler(kv, ably.tokens.rest),
    revoke: (job) => revoker.handle(job),
    invitation: (job) => invitationNotices.handle(job),
  }, { ...config.outbox, onGiveUp: countGivenUp });
  const auth = await startAuthServices(config, kv, {
    onSessionEnd: (op, user) => revoker.schedule(op, [user.id]),
    // The server's record of who signed in: an owner invites by its handle
    // (the login, or a generic OIDC provider's verified email), and messages
    // and presence show its name.
    onSignIn: (user) => saveUser(kv, user),
  }).catch(async (error) => {
    await outbox.close();
    await ably.close();
    throw error;
  });
  const services: Services = {
    config,
    kv,
    auth: auth.auth,
    ably,
    // Counted in KV, so each limit holds across every instance on it.
    limits: {
      live: new RateLimiter({
        kv,
        name: "live",
        limit: config.liveRateLimitPerMin,
      }),
      // Anonymous callers: past the table's cap, fresh addresses share one
      // allowance rather than each getting an unlimited one.
      signIn: new RateLimiter({
        kv,
        name: "signIn",
        limit: config.signInRateLimitPerMin,
        overflow: "shared",
      }),
      notify: new RateLimiter({
        kv,
        name: "notify",
        limit: config.notifyRateLimitPerMin,
      }),
      messages: new RateLimiter({
        kv,
        name: "messages",
        limit: config.messageRateLimitPerMin,
      }),
      memberChanges: new RateLimiter({
        kv,
        name: "memberChanges",
        limit: config.memberChangeRateLimitPerMin,
      }),
      inviteTargets: new RateLimiter({
        kv,
        name: "inviteTargets",
        limit: config.inviteTargetRateLimitPerMin,
      }),
    },
    revoker,
    invitationNotices,
    outbox,
  };
  const close = async () => {
    // Jobs in progress finish before the publisher and KV they use go.
    await outbox.close();
    await ably.close();
    await auth.close();
    if (!options.kv) kv.close();
  };
  return {
    services,
    config,
    idp: auth.idp,
    close,
    [Symbol.asyncDispose]: close,
  };
}
