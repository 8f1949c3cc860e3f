/**
 * Redaction as a reader of the logs meets it: the printed line. LogTape
 * renders `{placeholder}` values into `record.message` before any sink runs,
 * so redacting `record.properties` alone leaves the secret on the line.
 * Every sink `setupLogging` can install is checked: the default console sink
 * (its real output captured) and a sink passed in (its record formatted as
 * LogTape's text formatter prints it).
 */
import assert from "node:assert/strict";
import { getTextFormatter, type LogRecord } from "@logtape/logtape";
import { getLogger, resetLogging, setupLogging } from "./log.ts";

const CANARY = "canary-5f1c";

/** Lines logged with a secret in every place a caller could put one. */
function logSecrets(): void {
  const logger = getLogger(["live", "test"]);
  logger.info("minted {token} for {userId}", {
    token: `tok-${CANARY}`,
    userId: "embedded:alice",
  });
  logger.warn("session {sessionId} cookie {cookie}", {
    sessionId: `sid-${CANARY}`,
    cookie: `session=${CANARY}`,
  });
  logger.info("nested {auth.clientSecret} and whole {*}", {
    auth: { clientSecret: `sec-${CANARY}` },
    accessToken: `at-${CANARY}`,
  });
  logger.info("aliased {value}", {
    value: `alias-${CANARY}`,
    refreshToken: `alias-${CANARY}`,
  });
  logger.error("object {details}", {
    details: { password: `pw-${CANARY}`, reason: "kept" },
  });
}

function assertClean(lines: string[]): void {
  assert.equal(lines.length, 5, lines.join("\n"));
  for (const line of lines) {
    assert.ok(!line.includes(CANARY), `secret printed: ${line}`);
  }
  assert.match(lines[0], /minted "?\[redacted\]"? for "?embedded:alice/);
  assert.match(lines[1], /session "?\[redacted\]"? cookie "?\[redacted\]/);
  assert.match(lines[4], /kept/);
}

Deno.test("the console sink never prints a secret placed in a message", async () => {
  const printed: string[] = [];
  const methods = ["debug", "info", "warn", "error", "log"] as const;
  const originals = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => printed.push(args.join(" "));
  }
  try {
    await setupLogging({ level: "debug" });
    logSecrets();
  } finally {
    await resetLogging();
    methods.forEach((m, i) => (console[m] = originals[i]));
  }
  assertClean(printed);
});

Deno.test("a sink passed in never receives a secret placed in a message", async () => {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  try {
    logSecrets();
  } finally {
    await resetLogging();
  }
  const format = getTextFormatter();
  assertClean(records.map((r) => format(r)));
  // The record as a whole, whatever formatter a sink might use.
  for (const record of records) {
    const text = Deno.inspect(
      { message: record.message, properties: record.properties },
      { depth: 10 },
    );
    assert.ok(!text.includes(CANARY), text);
  }
});

Deno.test("messages without secrets print as they did", async () => {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  try {
    const logger = getLogger(["live", "test"]);
    logger.info("started on {port}", { port: 8000 });
    logger.info("{{literal}} braces and {reason}", { reason: "ok" });
  } finally {
    await resetLogging();
  }
  const format = getTextFormatter();
  assert.match(format(records[0]), /started on 8000/);
  assert.match(format(records[1]), /\{literal\} braces and "?ok/);
});
