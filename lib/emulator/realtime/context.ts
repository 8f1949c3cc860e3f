/**
 * What the per-job modules of a realtime connection share: the connection
 * as they see it (ConnectionContext), what it needs from the hub
 * (ConnectionHost) and the limits it enforces (ConnectionLimits). The
 * implementation is `Connection` in connection.ts; the jobs are
 * dispatch.ts (inbound frames), channel_ops.ts (ATTACH/DETACH),
 * publish_ops.ts (MESSAGE and the ACK log), presence_ops.ts (PRESENCE) and
 * renewal.ts (AUTH).
 */

import {
  type AblyError,
  Action,
  type ChannelName,
  type ChannelRegistry,
  type MessageFilter,
  type WireFormat,
} from "../core/mod.ts";
import type { Grant } from "../auth/mod.ts";
import type { ConnectionKeys } from "./connection_keys.ts";
import type { AckLog } from "./publish_ops.ts";
import type { Renewal } from "./renewal.ts";

/** Limits and timings a connection enforces; see EmulatorOptions. */
export interface ConnectionLimits {
  maxMessageSize: number;
  maxFrameSize: number;
  maxChannelsPerConnection: number;
  connectionStateTtl: number;
  /** How long before a token expires AUTH asks for a new one, ms. */
  tokenRenewalLeadMs: number;
  maxIdleInterval: number;
  presenceLeaveDelay: number;
  /** Server id in connectionDetails. */
  serverId: string;
}

/** What a connection needs from the hub. */
export interface ConnectionHost {
  readonly channels: ChannelRegistry;
  /** Mints the connectionKey of a new connection (RTN9). */
  readonly connectionKeys: ConnectionKeys;
  readonly limits: ConnectionLimits;
  /** Resolves a token presented in an AUTH frame (RTN22). */
  grantForToken(token: string): Grant;
  /** Called once the connection is gone for good. */
  forget(connection: { readonly id: string }): void;
  now(): number;
}

/** One attached channel of a connection (RTL4). */
export interface Attachment {
  /** The name attached, parsed: frames carry `channel.full`. */
  readonly channel: ChannelName;
  /** Mode bits granted (RTL4m). */
  modes: number;
  /** A derived channel's filter. */
  readonly filter?: MessageFilter;
}

/** One realtime connection as its per-job modules see it. */
export interface ConnectionContext {
  /** connectionId (RTN8). */
  readonly id: string;
  /** The identity (RSA7); undefined for an anonymous connection. */
  readonly clientId: string | undefined;
  /** `echo=false` suppresses self-delivery (RTN2b). */
  readonly echo: boolean;
  /** The credential's rights; replaced by an in-band re-auth (RTN22). */
  grant: Grant;
  readonly host: ConnectionHost;
  /** Attached channels by the name the client attached with. */
  readonly attached: Map<string, Attachment>;
  /** Channels whose presence left after a drop: no RESUMED on re-attach. */
  readonly presenceDropped: Set<string>;
  /** ACK/NACK answers and the last msgSerial seen (RTN7). */
  readonly acks: AckLog;
  /** Server-driven token renewal (RTN22). */
  readonly renewal: Renewal;
  /** Whether a WebSocket currently carries the connection. */
  readonly live: boolean;
  /** The encoding of the current socket (RTN2a). */
  readonly format: WireFormat;
  /** Serialises and sends one ProtocolMessage. */
  send(frame: Record<string, unknown>): void;
  /** Sends a frame serialised to JSON text, in the socket's format. */
  sendText(text: string): void;
  /** Sends CONNECTED (RTN21), with `error` when a resume failed. */
  sendConnected(error?: AblyError): void;
  /** Drops the socket but keeps the state for a resume (RTN15). */
  dropSocket(): void;
  /**
   * Sends DISCONNECTED with `error`, then drops the socket as dropSocket
   * does. A token error (4014x) makes ably-js renew first (RTN15h).
   */
  disconnectWith(error: AblyError): void;
  /** Ends the connection for good (RTN12). */
  destroy(): void;
}

/** Sends an ERROR for one channel, or a connection-wide one without a name. */
export function sendChannelError(
  conn: ConnectionContext,
  channel: unknown,
  error: AblyError,
): void {
  const frame: Record<string, unknown> = {
    action: Action.ERROR,
    error: error.toWire(),
  };
  if (typeof channel === "string") frame.channel = channel;
  conn.send(frame);
}
