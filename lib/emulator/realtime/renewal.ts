/**
 * Server-driven token renewal of one connection (spec RTN22 server AUTH,
 * RTN24 CONNECTED after a re-auth, RTN15h DISCONNECTED with a token error,
 * RSA4 expiry). ably-js keeps no expiry timer of its own: it renews when the
 * server sends AUTH and re-authenticates when DISCONNECTED carries a token
 * error. So the emulator sends AUTH ahead of expiry to a token that lives
 * long enough, and DISCONNECTED 40142 at expiry to one not renewed by then
 * (the timers and Ably's timing: token_lifetime.ts). Revocation with
 * `allowReauthMargin` asks through the same AUTH (hub.ts). The counterpart
 * is ably-js `ConnectionManager.onAuthUpdated` / `Auth.authorize`.
 */

import { Action, Errors, type InboundFrame } from "../core/mod.ts";
import { narrowChannels } from "./channel_ops.ts";
import type { ConnectionContext } from "./context.ts";
import { TokenLifetime } from "./token_lifetime.ts";

/** The renewal of one connection's token. */
export class Renewal {
  readonly #conn: ConnectionContext;
  readonly #lifetime: TokenLifetime;

  /** `leadMs`: how long before expiry AUTH is sent. */
  constructor(conn: ConnectionContext, leadMs: number) {
    this.#conn = conn;
    this.#lifetime = new TokenLifetime(leadMs);
  }

  /** RTN22 AUTH ahead of expiry, RTN15h DISCONNECTED 40142 at expiry. */
  schedule(): void {
    const conn = this.#conn;
    if (!conn.live) return this.clear();
    this.#lifetime.watch(conn.grant, () => conn.host.now(), {
      renewDue: () => this.requestReauth(),
      expired: () => conn.disconnectWith(Errors.tokenExpired()),
    });
  }

  /** Stops watching the token (socket gone or connection ended). */
  clear(): void {
    this.#lifetime.clear();
  }

  /** Asks the client to re-authenticate in place (RTN22: server AUTH). */
  requestReauth(): void {
    this.#conn.send({ action: Action.AUTH });
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
    narrowChannels(conn);
  }
}
