/**
 * What every REST resource module needs from the server, in one type of its
 * own so that the router and the resources it routes to (keys.ts,
 * messages.ts, presence.ts) depend on it rather than on each other.
 */

import type { Authority } from "../auth/mod.ts";
import type { ChannelRegistry, Subscriber } from "../core/mod.ts";

/** What the REST handler needs. */
export interface RestContext {
  auth: Authority;
  channels: ChannelRegistry;
  maxMessageSize: number;
  /** The live realtime connection a `connectionKey` names (TM2). */
  connectionByKey(key: string): Subscriber | undefined;
  now(): number;
}
