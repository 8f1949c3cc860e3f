import assert from "node:assert/strict";
import { browserClientOptions, serverClientOptions } from "./client_options.ts";

Deno.test("browser options: Ably's defaults when no endpoint is configured", () => {
  assert.deepEqual(browserClientOptions({ endpoint: undefined }), {});
  assert.deepEqual(serverClientOptions({ endpoint: undefined }), {});
});

Deno.test("browser options: a configured endpoint's host, port and TLS", () => {
  assert.deepEqual(
    browserClientOptions({ endpoint: new URL("https://ably.example.com") }),
    { endpoint: "ably.example.com", tlsPort: 443, tls: true },
  );
  assert.deepEqual(
    browserClientOptions({
      endpoint: new URL("https://ably.example.com:8443"),
    }),
    { endpoint: "ably.example.com", tlsPort: 8443, tls: true },
  );
  assert.deepEqual(
    browserClientOptions({ endpoint: new URL("http://localhost:9000") }),
    { endpoint: "localhost", port: 9000, tls: false },
  );
});

Deno.test("browser options: the emulator's address, WebSocket only, JSON, no key", () => {
  const options = browserClientOptions({
    endpoint: new URL("http://127.0.0.1:9000/"),
    emulator: true,
  });
  assert.deepEqual(options, {
    endpoint: "127.0.0.1",
    port: 9000,
    tls: false,
    transports: ["web_socket"],
    disableConnectivityCheck: true,
    useBinaryProtocol: false,
  });
  assert.deepEqual(JSON.parse(JSON.stringify(options)), options);
  assert.ok(!("key" in options) && !("token" in options));
});

Deno.test("server options: a custom endpoint has no fallback hosts", () => {
  assert.deepEqual(
    serverClientOptions({ endpoint: new URL("http://127.0.0.1:9000") }),
    {
      endpoint: "127.0.0.1",
      port: 9000,
      tls: false,
      fallbackHosts: [],
      useBinaryProtocol: false,
    },
  );
});
