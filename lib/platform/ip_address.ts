/**
 * Client addresses as text, parsed strictly and normalised, for the two
 * places that key on them: the sign-in rate limit (`addressKey`) and the
 * forwarded client address under `TRUST_PROXY` (`lib/http/request_origin.ts`,
 * which uses `parseIpAddress` to refuse anything that is not an address).
 *
 * Accepted: dotted-quad IPv4 (no leading zeros, which some parsers read as
 * octal) and IPv6 in any RFC 4291 §2.2 form: full, `::`-compressed, with an
 * embedded IPv4 tail, with a zone id (`%eth0`, dropped: it names an
 * interface on the server, not the client), optionally in brackets. An
 * IPv4-mapped address (`::ffff:192.0.2.1`, RFC 4291 §2.5.5.2) is the IPv4
 * address it maps: a dual-stack socket reports IPv4 clients that way.
 *
 * Why IPv6 is keyed on its /64: one subscriber is routinely given a /64 (or
 * more), so keying on the full address would give any IPv6 client 2^64 fresh
 * keys, and a limit per address would not limit anyone (RFC 6177 §2).
 */

/** A parsed address. */
export type IpAddress =
  | { version: 4; bytes: [number, number, number, number] }
  | {
    version: 6;
    /** Eight 16-bit groups. */
    groups: number[];
  };

const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const GROUP = /^[0-9a-f]{1,4}$/i;

/** Longest text looked at: an IPv6 address with a zone id and brackets fits easily. */
const MAX_LENGTH = 100;

/**
 * `text` as an address, or `null` if it is not exactly one.
 *
 * @example
 * ```ts
 * parseIpAddress("::ffff:192.0.2.1"); // { version: 4, bytes: [192, 0, 2, 1] }
 * parseIpAddress("[2001:db8::1%eth0]"); // { version: 6, groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1] }
 * parseIpAddress("unknown"); // null
 * ```
 */
export function parseIpAddress(text: string): IpAddress | null {
  if (text.length > MAX_LENGTH) return null;
  let value = text;
  if (value.startsWith("[") && value.endsWith("]")) value = value.slice(1, -1);
  const zone = value.indexOf("%");
  if (zone !== -1) {
    // RFC 6874 §2: a zone id only on an IPv6 address, never empty.
    if (zone === value.length - 1 || !value.includes(":")) return null;
    value = value.slice(0, zone);
  }
  if (IPV4.test(value)) return { version: 4, bytes: ipv4Bytes(value) };
  const groups = ipv6Groups(value);
  if (!groups) return null;
  const mapped = groups.slice(0, 5).every((g) => g === 0) &&
    groups[5] === 0xffff;
  if (mapped) {
    return {
      version: 4,
      bytes: [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255],
    };
  }
  return { version: 6, groups };
}

/**
 * The canonical text of an address (RFC 5952 §4 for IPv6: lower case,
 * leading zeros dropped, the longest run of two or more zero groups as `::`).
 */
export function formatIpAddress(address: IpAddress): string {
  if (address.version === 4) return address.bytes.join(".");
  const { groups } = address;
  let bestStart = -1, bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${
    hex.slice(bestStart + bestLength).join(":")
  }`;
}

/**
 * The key a per-client limit counts under: an IPv4 address whole, an IPv6
 * address's /64, anything unparseable as itself (bounded in length), so that
 * every spelling of one client lands on one key.
 *
 * @example
 * ```ts
 * addressKey("2001:db8:0:1::7"); // "2001:db8:0:1::/64"
 * addressKey("2001:DB8:0:1:ffff:1:2:3%eth0"); // "2001:db8:0:1::/64"
 * addressKey("::ffff:203.0.113.9"); // "203.0.113.9"
 * ```
 */
export function addressKey(text: string): string {
  const address = parseIpAddress(text);
  if (!address) return `?${text.slice(0, MAX_LENGTH)}`;
  if (address.version === 4) return formatIpAddress(address);
  const network = [...address.groups.slice(0, 4), 0, 0, 0, 0];
  return `${formatIpAddress({ version: 6, groups: network })}/64`;
}

function ipv4Bytes(text: string): [number, number, number, number] {
  const [a, b, c, d] = text.split(".").map(Number);
  return [a, b, c, d];
}

/** Eight groups, or `null`; an IPv4 tail counts as the last two. */
function ipv6Groups(text: string): number[] | null {
  if (!text.includes(":") || !/^[0-9a-f:.]+$/i.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string, last: boolean): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (const [i, piece] of pieces.entries()) {
      if (last && i === pieces.length - 1 && piece.includes(".")) {
        if (!IPV4.test(piece)) return null;
        const [a, b, c, d] = ipv4Bytes(piece);
        out.push((a << 8) | b, (c << 8) | d);
      } else if (GROUP.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = parse(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parse(halves[1], true) : [];
  if (!head || !tail) return null;
  const gap = 8 - head.length - tail.length;
  if (halves.length === 2 ? gap < 1 : gap !== 0) return null;
  return [...head, ...Array(gap).fill(0), ...tail];
}
