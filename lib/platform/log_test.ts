import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import {
  addressNetwork,
  getLogger,
  resetLogging,
  setupLogging,
} from "./log.ts";

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

Deno.test("a client address is logged as its network, never whole", () => {
  const cases: [string, string][] = [
    ["203.0.113.57", "203.0.113.0/24"],
    ["127.0.0.1", "127.0.0.0/24"],
    ["::ffff:198.51.100.7", "198.51.100.0/24"],
    ["2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::/48"],
    ["2001:0DB8:0000:0042:0000:8a2e:0370:7334", "2001:db8:0::/48"],
    ["1::2:3:4:5:6:7", "1:0:2::/48"],
    ["::1", "0:0:0::/48"],
    ["::", "0:0:0::/48"],
    ["fe80::1", "fe80:0:0::/48"],
    ["", "unknown"],
    ["localhost", "unknown"],
    ["1:2:3:4:5:6:7", "unknown"],
    ["1::2::3", "unknown"],
    ["1:2:3:4:5:6:7:8::", "unknown"],
    ["12345::", "unknown"],
  ];
  for (const [address, network] of cases) {
    assert.equal(addressNetwork(address), network, address);
  }
});
