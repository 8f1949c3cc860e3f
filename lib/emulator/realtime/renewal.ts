/**
 * Server-driven token renewal of one connection (spec RTN22 server AUTH,
 * RTN24 CONNECTED after a re-auth, RSA4 expiry). ably-js keeps no expiry
 * timer of its own: it renews when the server sends AUTH and
 * re-authenticates when DISCONNECTED carries a token error. So the emulator
 * asks for a new token ahead of expiry and disconnects at expiry. The
 * counterpart is ably-js `ConnectionManager.onAuthUpdated` / `Auth.authorize`.
 */

import { operationsFor } from "../capability.ts";
import { Errors } from "../errors.ts";
import { failChannel } from "./channel_ops.ts";
import type { ConnectionContext } from "./context.ts";
import { modesFor } from "./modes.ts";
import { Action, type InboundFrame } from "./protocol.ts";

/** How long before expiry the client is asked to renew, at most, ms. */
const RENEW_LEAD_MS = 30_000;
/** Largest delay setTimeout honours (2^31 - 1 ms). */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The renewal timers of one connection. */
export class Renewal {
  readonly #conn: ConnectionContext;
  /** Expiry the client was already asked to renew ahead of (RTN22). */
  #askedFor = 0;
  #renewTimer: ReturnType<typeof setTimeout> | undefined;
  #expireTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(conn: ConnectionContext) {
    this.#conn = conn;
  }

  /**
   * RTN22 / RSA4: AUTH ahead of expiry (30 s, or half the remaining life for
   * short tokens), DISCONNECTED 40142 at expiry so the client
   * re-authenticates and resumes.
   */
  schedule(): void {
    this.clear();
    const conn = this.#conn;
    if (!Number.isFinite(conn.grant.expires) || !conn.live) return;
    const remaining = Math.max(0, conn.grant.expires - conn.host.now());
    const lead = Math.min(RENEW_LEAD_MS, remaining / 2);
    // One AUTH per token: a client that renews with the same token is not
    // asked again and again as expiry nears; expiry then disconnects it.
    if (conn.grant.expires > this.#askedFor) {
      this.#renewTimer = setTimeout(() => {
        this.#renewTimer = undefined;
        this.#askedFor = conn.grant.expires;
        conn.send({ action: Action.AUTH });
      }, clampDelay(remaining - lead));
    }
    this.#expireTimer = setTimeout(() => {
      this.#expireTimer = undefined;
      if (!conn.live) return;
      conn.send({
        action: Action.DISCONNECTED,
        error: Errors.tokenExpired().toWire(),
      });
      conn.dropSocket();
    }, clampDelay(remaining));
  }

  /** Stops both timers (socket gone or connection ended). */
  clear(): void {
    if (this.#renewTimer !== undefined) clearTimeout(this.#renewTimer);
    if (this.#expireTimer !== undefined) clearTimeout(this.#expireTimer);
    this.#renewTimer = undefined;
    this.#expireTimer = undefined;
  }

  /**
   * RTN22: the client answers our AUTH with a new token; the identity must
   * stay the same (40102). The reply is a new CONNECTED with the same
   * connectionId (RTN24); channels whose rights are gone are failed.
   */
  reauth(frame: InboundFrame): void {
    const conn = this.#conn;
    const auth = frame.auth as Record<string, unknown> | undefined;
    const token = auth && typeof auth === "object"
      ? auth.accessToken
      : undefined;
    if (typeof token !== "string") {
      throw Errors.badRequest("AUTH needs auth.accessToken");
    }
    const grant = conn.host.grantForToken(token);
    const sameIdentity = grant.clientId === "*"
      ? true
      : grant.clientId === conn.clientId;
    if (!sameIdentity) {
      conn.send({
        action: Action.ERROR,
        error: Errors.incompatibleCredentials(
          "New token's clientId does not match the connection's",
        ).toWire(),
      });
      conn.destroy();
      return;
    }
    conn.grant = grant;
    conn.sendConnected();
    this.schedule();
    for (const attachment of [...conn.attached.values()]) {
      const { base, full } = attachment.channel;
      const ops = operationsFor(grant.capability, base);
      const allowed = modesFor(ops);
      if (ops.size === 0) {
        failChannel(
          conn,
          attachment,
          Errors.notPermitted("Channel access revoked by new capability"),
        );
      } else if ((attachment.modes & allowed) !== attachment.modes) {
        attachment.modes &= allowed;
        conn.host.channels.find(base)?.subscribe(
          conn,
          full,
          attachment.modes,
          attachment.filter,
        );
      }
    }
  }
}

function clampDelay(ms: number): number {
  return Math.max(0, Math.min(ms, MAX_TIMER_DELAY_MS));
}
