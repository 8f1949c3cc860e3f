/**
 * Channel modes and channel params of an ATTACH (spec RTL4k params, RTL4l
 * modes, RTL4m the granted modes in ATTACHED, TR3 mode bits). Modes follow
 * from the capability: subscribe → SUBSCRIBE and PRESENCE_SUBSCRIBE,
 * publish → PUBLISH, presence → PRESENCE. The counterpart is ably-js
 * `RealtimeChannel.attachImpl`, which encodes the requested modes as flag
 * bits and the params as a string map, and reads both back from ATTACHED.
 */

import { Flag } from "./protocol.ts";

/** Channel modes from capability operations. */
export function modesFor(ops: ReadonlySet<string>): number {
  let modes = 0;
  if (ops.has("subscribe")) modes |= Flag.SUBSCRIBE | Flag.PRESENCE_SUBSCRIBE;
  if (ops.has("publish")) modes |= Flag.PUBLISH;
  if (ops.has("presence")) modes |= Flag.PRESENCE;
  return modes;
}

/** Longest param name and value kept from an ATTACH. */
const MAX_PARAM_NAME = 64;
const MAX_PARAM_VALUE = 256;

/** The string-valued params of an ATTACH (RTL4k); others are ignored. */
export function readParams(raw: unknown): Record<string, string> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (
      typeof v === "string" && k.length < MAX_PARAM_NAME &&
      v.length < MAX_PARAM_VALUE
    ) out[k] = v;
  }
  return out;
}
