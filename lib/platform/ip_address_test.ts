import assert from "node:assert/strict";
import { addressKey, formatIpAddress, parseIpAddress } from "./ip_address.ts";

Deno.test("every spelling of one IPv6 /64 is one key", () => {
  const spellings = [
    "2001:db8:0:1::7",
    "2001:0db8:0000:0001:0000:0000:0000:0007",
    "2001:DB8:0:1:ffff:ffff:ffff:ffff",
    "[2001:db8:0:1::abcd]",
    "2001:db8:0:1::1%eth0",
    "2001:db8::1:0:0:0:1",
    "2001:db8:0:1:0:0:192.0.2.1",
  ];
  for (const text of spellings) {
    assert.equal(addressKey(text), "2001:db8:0:1::/64", text);
  }
  assert.notEqual(addressKey("2001:db8:0:2::7"), addressKey("2001:db8:0:1::7"));
});

Deno.test("an IPv4-mapped IPv6 address is its IPv4 address", () => {
  for (
    const text of [
      "::ffff:203.0.113.9",
      "::FFFF:cb00:7109",
      "0:0:0:0:0:ffff:203.0.113.9",
      "[::ffff:203.0.113.9]",
    ]
  ) {
    assert.equal(addressKey(text), "203.0.113.9", text);
  }
  assert.notEqual(addressKey("203.0.113.9"), addressKey("203.0.113.10"));
});

Deno.test("what is not one address is refused by the parser", () => {
  for (
    const text of [
      "",
      "unknown",
      "_hidden",
      "1.2.3",
      "1.2.3.4.5",
      "01.2.3.4",
      "256.1.1.1",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "::1%",
      "1.2.3.4%eth0",
      "::1.2.3",
      "g::1",
      "[::1",
      "1.2.3.4:80",
      "x".repeat(200),
    ]
  ) {
    assert.equal(parseIpAddress(text), null, JSON.stringify(text));
  }
  assert.match(addressKey("unknown"), /^\?/);
});

Deno.test("addresses format canonically (RFC 5952)", () => {
  const cases: [string, string][] = [
    ["2001:0DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["::1", "::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["192.0.2.1", "192.0.2.1"],
  ];
  for (const [text, canonical] of cases) {
    assert.equal(formatIpAddress(parseIpAddress(text)!), canonical, text);
  }
});
