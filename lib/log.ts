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
 * are replaced by `[redacted]`.
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
