/**
 * Channel modes and channel params of an ATTACH (spec RTL4k params, RTL4l
 * modes, RTL4m the granted modes in ATTACHED, TR3 mode bits). Modes follow
 * from the capability: subscribe → SUBSCRIBE and PRESENCE_SUBSCRIBE,
 * publish → PUBLISH, presence → PRESENCE; without requested modes a client
 * gets all four its capability allows. Params are those Ably documents:
 * `rewind` (a message count or a time span) and `delta` (`vcdiff`; the
 * emulator sends full payloads, which a delta subscriber decodes as well).
 * The counterpart is ably-js `RealtimeChannel.attachImpl`, which encodes the
 * requested modes as flag bits and the params as a string map, and reads
 * both back from ATTACHED.
 */

import { Errors } from "../errors.ts";
import { Flag } from "./protocol.ts";

/** Channel modes from capability operations. */
export function modesFor(ops: ReadonlySet<string>): number {
  let modes = 0;
  if (ops.has("subscribe")) modes |= Flag.SUBSCRIBE | Flag.PRESENCE_SUBSCRIBE;
  if (ops.has("publish")) modes |= Flag.PUBLISH;
  if (ops.has("presence")) modes |= Flag.PRESENCE;
  return modes;
}

/** Longest param name and value accepted. */
const MAX_PARAM_NAME = 64;
const MAX_PARAM_VALUE = 256;
/** Most params on one attach. */
const MAX_PARAMS = 16;

/** Valid values of each supported param. */
const SUPPORTED_PARAMS: Record<string, RegExp> = {
  // Ably docs "Rewind": N messages, or a span such as 10s, 2m, 1h.
  rewind: /^\d{1,9}(s|m|h)?$/,
  // Ably docs "Deltas": VCDIFF is the only delta format.
  delta: /^vcdiff$/,
};

/** Params ably-js adds for itself; accepted and not echoed back. */
const CLIENT_ONLY_PARAMS = new Set(["agent"]);

/**
 * RTL4k: the params of an ATTACH, merged over those of a qualified name.
 * An unknown param is refused (40002), a supported one with a bad value
 * too (40003).
 */
export function readParams(
  raw: unknown,
  fromName: Record<string, string>,
): Record<string, string> {
  const merged: Record<string, unknown> = { ...fromName };
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== "object" || Array.isArray(raw)) {
      throw Errors.badRequest("params must be an object of strings");
    }
    Object.assign(merged, raw);
  }
  const entries = Object.entries(merged);
  if (entries.length > MAX_PARAMS) {
    throw Errors.badRequest(`At most ${MAX_PARAMS} channel params`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (CLIENT_ONLY_PARAMS.has(k)) continue;
    const pattern = SUPPORTED_PARAMS[k];
    if (!pattern || k.length > MAX_PARAM_NAME) {
      throw Errors.invalidParamName(
        `Unsupported channel param "${k.slice(0, MAX_PARAM_NAME)}"`,
      );
    }
    if (
      typeof v !== "string" || v.length > MAX_PARAM_VALUE || !pattern.test(v)
    ) {
      throw Errors.invalidParam(`Invalid value for channel param "${k}"`);
    }
    out[k] = v;
  }
  return out;
}
