/**
 * Logging for the whole app, through LogTape.
 *
 * Modules log with `getLogger(["live", "<area>"])` and structured properties
 * (`logger.warn("… {reason}", { reason })`); this module decides where records
 * go. Records are written one line each, so that Deno Deploy's log view and
 * OpenTelemetry's console capture (`OTEL_DENO=true`) keep them whole. The
 * console sink writes synchronously, inside the caller's async context, so
 * Deno exports each line with the active trace and span ids (a request's
 * warning leads to its trace); a buffered or non-blocking sink would lose
 * that.
 *
 * No secret may be logged. Callers never pass one, and as a second line of
 * defence every sink here sees records in which values named like a secret
 * (containing token, secret, cookie, session id, authorization, password,
 * verifier; or exactly `code`) are replaced by `[redacted]`: in the
 * properties and in the message as rendered, which is what gets printed. Client addresses are personal data: they
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

const REDACTED = "[redacted]";

/** Deepest nesting of objects searched for secret-named keys. */
const MAX_DEPTH = 4;

/**
 * A copy of `record` with every secret it would print replaced by
 * `[redacted]`: properties named like a secret (also inside plain objects and
 * arrays), and the rendered message parts that show one. LogTape renders
 * `{placeholder}` values into `record.message` before a sink runs, so the
 * properties alone are not what gets printed. A message part is redacted when
 * its placeholder's name (or any segment of a `{a.b}` path) looks secret, or
 * when it is the very value of a redacted property (an aliased placeholder,
 * a tagged template).
 */
export function redactRecord(record: LogRecord): LogRecord {
  const secrets = new Set<unknown>();
  let properties = redactValue(record.properties, 0, secrets) as Record<
    string,
    unknown
  >;
  // A secret under a second, harmless name is still that secret.
  for (const [key, value] of Object.entries(properties)) {
    if (value !== REDACTED && isSecretValue(value, secrets)) {
      if (properties === record.properties) properties = { ...properties };
      properties[key] = REDACTED;
    }
  }
  const names = typeof record.rawMessage === "string"
    ? placeholderNames(record.rawMessage)
    : [];
  let message: unknown[] | undefined;
  for (let i = 1; i < record.message.length; i += 2) {
    const value = record.message[i];
    const name = names[(i - 1) / 2];
    let redacted: unknown = value;
    if (name !== undefined && isSecretPath(name)) redacted = REDACTED;
    else if (isSecretValue(value, secrets)) redacted = REDACTED;
    else if (name?.trim() === "*" && value === record.properties) {
      redacted = properties;
    } else if (typeof value === "object" && value !== null) {
      redacted = redactValue(value, 0, secrets);
    }
    if (redacted !== value) {
      message ??= [...record.message];
      message[i] = redacted;
    }
  }
  if (properties === record.properties && message === undefined) return record;
  return { ...record, properties, message: message ?? record.message };
}

/** `value` with secret-named keys redacted, copied only where changed; what was hidden goes into `secrets`. */
function redactValue(
  value: unknown,
  depth: number,
  secrets: Set<unknown>,
): unknown {
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) {
    return value;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const redacted = redactValue(item, depth + 1, secrets);
      if (redacted !== item) (copy ??= [...value])[i] = redacted;
    });
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(source)) {
    const item = source[key];
    let redacted: unknown;
    if (SECRET_PROPERTY.test(key)) {
      if (item !== undefined && item !== null) secrets.add(item);
      redacted = REDACTED;
    } else {
      redacted = redactValue(item, depth + 1, secrets);
    }
    if (redacted !== item) (copy ??= { ...source })[key] = redacted;
  }
  return copy ?? value;
}

/** Whether a placeholder such as `token` or `auth.clientSecret` names a secret. */
function isSecretPath(name: string): boolean {
  return name.trim().split(/[.[\]?]+/).some((part) =>
    part !== "" && SECRET_PROPERTY.test(part)
  );
}

/** A redacted property's own value (strings only compared by value, so `"1"` does not hide every 1). */
function isSecretValue(value: unknown, secrets: Set<unknown>): boolean {
  if (typeof value === "string") return value.length >= 4 && secrets.has(value);
  return typeof value === "object" && value !== null && secrets.has(value);
}

/**
 * The placeholder names of a message template, in order, parsed as LogTape
 * parses it (`{{` and `}}` are literal braces).
 */
function placeholderNames(template: string): string[] {
  const names: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if (char === "{") {
      if (template[i + 1] === "{") {
        i++;
        continue;
      }
      const close = template.indexOf("}", i + 1);
      if (close === -1) continue;
      names.push(template.slice(i + 1, close));
      i = close;
    } else if (char === "}" && template[i + 1] === "}") i++;
  }
  return names;
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
