/**
 * Logging for the whole app, through LogTape.
 *
 * Modules log with `getLogger(["live", "<area>"])` and structured properties
 * (`logger.warn("… {reason}", { reason })`); this module decides where records
 * go. Records are written one line each, so that Deno Deploy's log view and
 * OpenTelemetry's console capture (`OTEL_DENO=true`) keep them whole.
 *
 * No secret may be logged. Callers never pass one, and as a second line of
 * defence every sink here sees records whose properties named like a secret
 * (ending in token, secret, cookie, session id, authorization, password,
 * verifier; or exactly `code`)
 * are replaced by `[redacted]`. Client addresses are personal data: they
 * are logged as their network (`addressNetwork`), never whole.
 */
import {
  configure,
  getConsoleSink,
  getTextFormatter,
  type LogLevel,
  type LogRecord,
  reset,
  type Sink,
} from "@logtape/logtape";

export { getLogger } from "@logtape/logtape";

/** The category every logger of the app sits under. */
export const ROOT_CATEGORY = "live";

const SECRET_PROPERTY =
  /secret|token|cookie|session_?id|authorization|password|verifier|^code$/i;

/** A copy of `record` whose secret-looking properties read `[redacted]`. */
export function redactRecord(record: LogRecord): LogRecord {
  let properties: Record<string, unknown> | undefined;
  for (const key of Object.keys(record.properties)) {
    if (SECRET_PROPERTY.test(key)) {
      properties ??= { ...record.properties };
      properties[key] = "[redacted]";
    }
  }
  return properties ? { ...record, properties } : record;
}

/** Wraps `sink` so that it only ever sees redacted records. */
export function redacting(sink: Sink): Sink {
  return (record) => sink(redactRecord(record));
}

/**
 * Plain strings as they are; anything with control characters or non-ASCII
 * quoted, so that a value taken from a request cannot forge a log line.
 */
function printable(value: unknown): string {
  if (typeof value === "string" && /^[\x20-\x7e]*$/.test(value)) return value;
  return typeof value === "string"
    ? JSON.stringify(value)
    : Deno.inspect(value);
}

/**
 * The network of a client address, for a log line: an IPv4 address's /24,
 * an IPv6 address's /48 (an IPv4-mapped one as IPv4), anything else
 * `"unknown"`. Enough to see where a flood comes from and to match lines of
 * one source; not enough to single out a person, which the full address
 * (personal data under the GDPR) could.
 *
 * @example
 * ```ts
 * addressNetwork("203.0.113.57"); // "203.0.113.0/24"
 * addressNetwork("2001:db8:85a3::8a2e:370:7334"); // "2001:db8:85a3::/48"
 * ```
 */
export function addressNetwork(hostname: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$/i.exec(
    hostname,
  );
  if (v4) return `${v4[1]}.0/24`;
  const halves = hostname.split("::");
  if (halves.length > 2 || !/^[0-9a-f:]+$/i.test(hostname)) return "unknown";
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const gap = 8 - head.length - tail.length;
  if (halves.length === 2 ? gap < 1 : gap !== 0) return "unknown";
  const groups = [...head, ...Array(gap).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) {
    return "unknown";
  }
  const network = groups.slice(0, 3).map((group) =>
    parseInt(group, 16).toString(16)
  );
  return `${network.join(":")}::/48`;
}

export interface LoggingOptions {
  level: LogLevel;
  /** Where records go; the console by default. Tests pass an array's push. */
  sink?: Sink;
}

/**
 * Configures LogTape for the app. Call once at start-up (tests: once per test,
 * with `resetLogging()` after). Library chatter under other categories is kept
 * to warnings and above.
 */
export async function setupLogging(
  { level, sink }: LoggingOptions,
): Promise<void> {
  const out = redacting(
    sink ??
      getConsoleSink({
        formatter: getTextFormatter({
          timestamp: "date-time-timezone",
          value: printable,
        }),
      }),
  );
  await configure({
    reset: true,
    sinks: { out },
    loggers: [
      { category: [ROOT_CATEGORY], lowestLevel: level, sinks: ["out"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["out"] },
    ],
  });
}

export async function resetLogging(): Promise<void> {
  await reset();
}
