/**
 * Channel modes and channel params of an ATTACH (spec RTL4k params, RTL4l
 * modes, RTL4m the granted modes in ATTACHED, TR3 mode bits). Modes follow
 * from the capability: subscribe → SUBSCRIBE and PRESENCE_SUBSCRIBE,
 * publish → PUBLISH, presence → PRESENCE, annotation-* and object-* → their
 * modes; without requested modes a client gets the default set (presence,
 * publish, subscribe, presence_subscribe, annotation_publish, as ably-js's
 * suite sees from Ably) as far as its capability allows. Params are those
 * Ably documents: `rewind` (a message count or a time span), `delta`
 * (`vcdiff`; the emulator sends full payloads, which a delta subscriber
 * decodes as well) and `modes` (mode names, comma-separated: they replace
 * the modes asked for by flag bits). A param Ably does not know is ignored
 * and not echoed, as Ably does (ably-js `attachWithInvalidChannelParams`).
 * The counterpart is ably-js `RealtimeChannel.attachImpl`, which encodes the
 * requested modes as flag bits and the params as a string map, and reads
 * both back from ATTACHED.
 */

import { Errors, Flag } from "../core/mod.ts";

/** The modes each capability operation allows. */
const MODES_OF_OPERATION: Record<string, number> = {
  subscribe: Flag.SUBSCRIBE | Flag.PRESENCE_SUBSCRIBE,
  publish: Flag.PUBLISH,
  presence: Flag.PRESENCE,
  "annotation-publish": Flag.ANNOTATION_PUBLISH,
  "annotation-subscribe": Flag.ANNOTATION_SUBSCRIBE,
  "object-subscribe": Flag.OBJECT_SUBSCRIBE,
  "object-publish": Flag.OBJECT_PUBLISH,
};

/** Mode names of the `modes` param (ably-js `channelModes`, lower case). */
const MODE_BY_NAME: Record<string, number> = {
  presence: Flag.PRESENCE,
  publish: Flag.PUBLISH,
  subscribe: Flag.SUBSCRIBE,
  presence_subscribe: Flag.PRESENCE_SUBSCRIBE,
  annotation_publish: Flag.ANNOTATION_PUBLISH,
  annotation_subscribe: Flag.ANNOTATION_SUBSCRIBE,
  object_subscribe: Flag.OBJECT_SUBSCRIBE,
  object_publish: Flag.OBJECT_PUBLISH,
};

/** What an attach without requested modes gets, within the capability. */
export const DEFAULT_MODES = Flag.PRESENCE | Flag.PUBLISH | Flag.SUBSCRIBE |
  Flag.PRESENCE_SUBSCRIBE | Flag.ANNOTATION_PUBLISH;

/** Channel modes from capability operations. */
export function modesFor(ops: ReadonlySet<string>): number {
  let modes = 0;
  for (const op of ops) modes |= MODES_OF_OPERATION[op] ?? 0;
  return modes;
}

/** The mode bits of a `modes` param; 0 when there is none. */
export function modesOfParams(params: Record<string, string>): number {
  const list = params.modes;
  if (list === undefined) return 0;
  let modes = 0;
  for (const name of list.split(",")) modes |= MODE_BY_NAME[name];
  return modes;
}

/** Longest param value accepted. */
const MAX_PARAM_VALUE = 256;
/** Most params on one attach. */
const MAX_PARAMS = 16;

/** Whether a value is valid, for each supported param. */
const SUPPORTED_PARAMS: Record<string, (value: string) => boolean> = {
  // Ably docs "Rewind": N messages, or a span such as 10s, 2m, 1h.
  rewind: (v) => /^\d{1,9}(s|m|h)?$/.test(v),
  // Ably docs "Deltas": VCDIFF is the only delta format.
  delta: (v) => v === "vcdiff",
  // Known mode names, comma-separated.
  modes: (v) => v.split(",").every((name) => Object.hasOwn(MODE_BY_NAME, name)),
};

/** Params ably-js adds for itself; accepted and not echoed back. */
const CLIENT_ONLY_PARAMS = new Set(["agent"]);

/**
 * RTL4k: the params of an ATTACH, merged over those of a qualified name.
 * An unknown param is dropped; a supported one with a bad value is refused
 * (40003).
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
    // Own keys only: a param named `toString` is just an unknown param.
    if (!Object.hasOwn(SUPPORTED_PARAMS, k)) continue;
    const valid = SUPPORTED_PARAMS[k];
    if (typeof v !== "string" || v.length > MAX_PARAM_VALUE || !valid(v)) {
      throw Errors.invalidParam(`Invalid value for channel param "${k}"`);
    }
    out[k] = v;
  }
  return out;
}
