import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../platform/config.ts";
import {
  clientAddress,
  isSameOrigin,
  parseForwarded,
  requestOrigin,
} from "./request_origin.ts";

const on = { trustProxy: true };
const off = { trustProxy: false };
const peer = { hostname: "10.0.0.1" };

function req(headers: Record<string, string>, url = "http://10.0.0.5:8000/x") {
  return new Request(url, { headers });
}

Deno.test("Forwarded is parsed per RFC 7239 §4, quoted strings and all", () => {
  assert.deepEqual(
    parseForwarded(
      'for="_gazonk"; proto=HTTPS, For="[2001:db8:cafe::17]:4711";host="a.example:8443"',
    )?.map((m) => Object.fromEntries(m)),
    [
      { for: "_gazonk", proto: "HTTPS" },
      { for: "[2001:db8:cafe::17]:4711", host: "a.example:8443" },
    ],
  );
  assert.deepEqual(
    parseForwarded('for="a\\"b"')?.map((m) => Object.fromEntries(m)),
    [{ for: 'a"b' }],
  );
  for (
    const bad of [
      'for="unterminated',
      "for",
      "=x",
      "for=a;for=b",
      "for=a b",
      'for="a\u0001"',
      "f o=1",
      "x".repeat(5000),
    ]
  ) {
    assert.equal(parseForwarded(bad), null, bad);
  }
});

Deno.test("off: the request's own URL is the origin, whatever the headers say", () => {
  const r = req({
    forwarded: "proto=https;host=live.example",
    "x-forwarded-proto": "https",
  });
  assert.deepEqual(requestOrigin(r, off), {
    scheme: "http",
    host: "10.0.0.5:8000",
    origin: "http://10.0.0.5:8000",
    secure: false,
  });
  assert.equal(
    clientAddress(req({ "x-forwarded-for": "1.2.3.4" }), peer, off),
    "10.0.0.1",
  );
});

Deno.test("on: the right-most element decides, Forwarded before X-Forwarded-*", () => {
  const both = req({
    forwarded:
      "proto=http;host=evil.example, proto=https;host=Live.Example:443",
    "x-forwarded-proto": "http",
    "x-forwarded-host": "other.example",
  });
  assert.deepEqual(requestOrigin(both, on), {
    scheme: "https",
    host: "live.example",
    origin: "https://live.example",
    secure: true,
  });
  const x = req({
    "x-forwarded-proto": "http, https",
    "x-forwarded-host": "evil.example, live.example:8443",
  });
  assert.equal(requestOrigin(x, on).origin, "https://live.example:8443");
  // Forwarded without proto: the request's own scheme, not X-Forwarded-Proto.
  const partial = req({
    forwarded: "for=1.2.3.4",
    "x-forwarded-proto": "https",
  });
  assert.equal(requestOrigin(partial, on).scheme, "http");
});

Deno.test("on: malformed values are ignored, one by one", () => {
  const cases: Record<string, string>[] = [
    { "x-forwarded-proto": "ftp" },
    { "x-forwarded-host": "a/b" },
    { "x-forwarded-host": "[::1" },
    { "x-forwarded-host": "[fe80::1%eth0]" },
    { "x-forwarded-host": "-a.example" },
    { "x-forwarded-host": "a.example:0" },
    { forwarded: "host=a.example;host=b.example" },
  ];
  for (const headers of cases) {
    assert.equal(
      requestOrigin(req(headers), on).origin,
      "http://10.0.0.5:8000",
      JSON.stringify(headers),
    );
  }
  assert.equal(
    requestOrigin(req({ "x-forwarded-host": "[2001:db8::1]:8443" }), on).host,
    "[2001:db8::1]:8443",
  );
});

Deno.test("on: the client is the right-most forwarded address, in canonical form", () => {
  const cases: [Record<string, string>, string][] = [
    [{ "x-forwarded-for": "6.6.6.6, 198.51.100.7" }, "198.51.100.7"],
    [{ "x-forwarded-for": "198.51.100.7:5555" }, "198.51.100.7"],
    [{ "x-forwarded-for": "2001:DB8::0:1" }, "2001:db8::1"],
    [{ "x-forwarded-for": "::ffff:198.51.100.7" }, "198.51.100.7"],
    [{ forwarded: 'for=6.6.6.6, for="[2001:db8::7]:80"' }, "2001:db8::7"],
    [{ forwarded: "for=unknown" }, "10.0.0.1"],
    [{ forwarded: "for=_hidden" }, "10.0.0.1"],
    [{ "x-forwarded-for": "198.51.100.7, garbage" }, "10.0.0.1"],
    [{ "x-forwarded-for": "" }, "10.0.0.1"],
  ];
  for (const [headers, expected] of cases) {
    assert.equal(
      clientAddress(req(headers), peer, on),
      expected,
      JSON.stringify(headers),
    );
  }
});

Deno.test("same origin: Origin must equal the (forwarded) origin exactly", () => {
  const headers = {
    "x-forwarded-proto": "https",
    "x-forwarded-host": "live.example",
  };
  assert.equal(
    isSameOrigin(req({ ...headers, origin: "https://live.example" }), on),
    true,
  );
  assert.equal(
    isSameOrigin(req({ ...headers, origin: "https://live.example" }), off),
    false,
  );
  assert.equal(
    isSameOrigin(req({ origin: "http://10.0.0.5:8000" }), off),
    true,
  );
  for (
    const origin of [
      undefined,
      "null",
      "https://evil.example",
      "http://live.example",
    ]
  ) {
    const h: Record<string, string> = { ...headers };
    if (origin) h.origin = origin;
    assert.equal(isSameOrigin(req(h), on), false, String(origin));
  }
});

Deno.test("TRUST_PROXY is off by default; a bad value names the variable", () => {
  assert.equal(loadConfig({}).trustProxy, false);
  assert.equal(loadConfig({ TRUST_PROXY: "true" }).trustProxy, true);
  assert.equal(loadConfig({ TRUST_PROXY: "0" }).trustProxy, false);
  assert.throws(
    () => loadConfig({ TRUST_PROXY: "maybe" }),
    (e) => e instanceof ConfigError && e.variable === "TRUST_PROXY",
  );
});
