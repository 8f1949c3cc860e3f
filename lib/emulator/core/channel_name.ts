/**
 * Channel names as Ably reads them (Ably docs "Channels": qualifiers and
 * channel params in a name; spec RTL4k for params, ably-js
 * `Utils.matchDerivedChannel` for derived channels). A name is either plain
 * (`room:1`) or carries one qualifier in leading brackets:
 *
 * - `[meta]name` — a metachannel; capability is checked on the full name;
 * - `[?rewind=1&delta=vcdiff]name` — channel params in query-string form;
 * - `[filter=<base64>]name` — a derived channel whose messages pass a filter
 *   (filter.ts), optionally followed by params: `[filter=…?rewind=1]name`.
 *
 * Anything else — an empty name, a name (after its qualifier) that starts
 * with `:` (Ably docs "Channels": `:` separates a namespace, so a name
 * cannot open with one), an unterminated `[`, an unknown qualifier, a
 * filter that is not base64 — is refused with 40010, as Ably refuses it on
 * attach and on publish. The counterpart is ably-js `Channels.get` /
 * `getDerived`, which builds these names.
 */

import { Errors } from "./errors.ts";

/** Longest channel name accepted, qualifier included (characters). */
export const MAX_CHANNEL_NAME_LENGTH = 2048;

/** A channel name split into what the emulator acts on. */
export interface ChannelName {
  /** The name as the client wrote it; frames to the client carry it. */
  full: string;
  /** The channel messages are stored on: `[meta]x` for metachannels, else
   * the name without its qualifier. */
  base: string;
  /** Params from the qualifier (RTL4k), possibly empty. */
  params: Record<string, string>;
  /** The decoded filter expression of a derived channel. */
  filter?: string;
}

/** Qualifiers Ably defines that the emulator accepts. */
const META_QUALIFIER = "meta";
const FILTER_PREFIX = "filter=";

/**
 * Parses a channel name; throws 40010 (invalid channel name) when Ably
 * would refuse it.
 */
export function parseChannelName(name: unknown): ChannelName {
  if (typeof name !== "string" || name.length === 0) {
    throw Errors.invalidChannelName("Invalid channel name: empty");
  }
  if (name.length > MAX_CHANNEL_NAME_LENGTH) {
    throw Errors.invalidChannelName("Invalid channel name: too long");
  }
  if (!name.startsWith("[")) {
    checkBaseName(name);
    return { full: name, base: name, params: {} };
  }
  const close = name.indexOf("]");
  if (close < 0) {
    throw Errors.invalidChannelName(
      `Invalid channel name: unterminated qualifier in "${clip(name)}"`,
    );
  }
  const rest = name.slice(close + 1);
  if (rest.length === 0) {
    throw Errors.invalidChannelName(
      "Invalid channel name: nothing after the qualifier",
    );
  }
  checkBaseName(rest);
  const qualifier = name.slice(1, close);
  const query = qualifier.indexOf("?");
  const head = query < 0 ? qualifier : qualifier.slice(0, query);
  const params = query < 0 ? {} : parseQuery(qualifier.slice(query + 1));
  if (head === "") return { full: name, base: rest, params };
  if (head === META_QUALIFIER) {
    return { full: name, base: `[${META_QUALIFIER}]${rest}`, params };
  }
  if (head.startsWith(FILTER_PREFIX)) {
    const filter = decodeFilter(head.slice(FILTER_PREFIX.length));
    return { full: name, base: rest, params, filter };
  }
  throw Errors.invalidChannelName(
    `Invalid channel name: unknown qualifier "[${clip(head)}]"`,
  );
}

/** RTL4d: the name a qualifier applies to may not open a namespace. */
function checkBaseName(base: string): void {
  if (base.startsWith(":")) {
    throw Errors.invalidChannelName(
      `Invalid channel name: "${clip(base)}" starts with ':'`,
    );
  }
}

function parseQuery(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    if (k === "") {
      throw Errors.invalidChannelName("Invalid channel name: empty param");
    }
    out[k] = v;
  }
  return out;
}

/** ably-js encodes the filter with standard base64; base64url is accepted
 * too, since the emulator's users may build names by hand. */
function decodeFilter(encoded: string): string {
  const std = encoded.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(std)) {
    throw Errors.invalidChannelName(
      "Invalid channel name: filter is not base64",
    );
  }
  try {
    const bytes = Uint8Array.from(
      atob(std.padEnd(Math.ceil(std.length / 4) * 4, "=")),
      (c) => c.charCodeAt(0),
    );
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw Errors.invalidChannelName(
      "Invalid channel name: filter is not base64 of UTF-8",
    );
  }
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
