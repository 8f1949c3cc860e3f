import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { getLogger, resetLogging, setupLogging } from "./log.ts";

Deno.test("properties named like secrets are redacted before any sink sees them", async () => {
  const records: LogRecord[] = [];
  await setupLogging({
    level: "debug",
    sink: (record) => records.push(record),
  });
  try {
    getLogger(["live", "test"]).warn("sign-in failed: {reason}", {
      reason: "state mismatch",
      sessionId: "sess-canary",
      accessToken: "tok-canary",
      clientSecret: "sec-canary",
      cookie: "session=cookie-canary",
    });
  } finally {
    await resetLogging();
  }
  assert.equal(records.length, 1);
  assert.equal(records[0].properties.reason, "state mismatch");
  assert.ok(!JSON.stringify(records[0].properties).includes("canary"));
});

Deno.test("records below the configured level are dropped", async () => {
  const records: LogRecord[] = [];
  await setupLogging({
    level: "warning",
    sink: (record) => records.push(record),
  });
  try {
    const logger = getLogger(["live", "test"]);
    logger.info("quiet");
    logger.warn("loud");
  } finally {
    await resetLogging();
  }
  assert.deepEqual(records.map((r) => r.level), ["warning"]);
});
