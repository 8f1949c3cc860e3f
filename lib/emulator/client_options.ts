/**
 * ably-js 2.28 ClientOptions that point the SDK at an emulator (spec
 * REC1b2/REC2c2: an `endpoint` that is an IP address or
 * `localhost` is used as the host and gives no fallback hosts). The
 * counterpart is server.ts, whose `url` this reads.
 */

/** The subset of ably-js ClientOptions this helper sets. */
export interface EmulatorClientOptions {
  endpoint: string;
  port: number;
  tls: false;
  useBinaryProtocol: false;
  transports: ["web_socket"];
  disableConnectivityCheck: true;
  fallbackHosts: [];
}

/**
 * Options for `new Ably.Realtime({...emulatorClientOptions(url), authCallback})`
 * or `new Ably.Rest(...)`: JSON protocol, as a browser speaks it (the
 * emulator speaks msgpack too: override with `useBinaryProtocol: true`),
 * WebSocket only (no comet fallback),
 * no connectivity check against Ably's internet hosts, no fallback hosts.
 *
 * @example
 * ```ts
 * const opts = emulatorClientOptions("http://127.0.0.1:8787");
 * // opts.endpoint === "127.0.0.1", opts.port === 8787, opts.tls === false
 * ```
 */
export function emulatorClientOptions(url: string): EmulatorClientOptions {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:") {
    throw new TypeError("The emulator serves plain http: expected http://");
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  return {
    endpoint: host,
    port: Number(parsed.port || 80),
    tls: false,
    useBinaryProtocol: false,
    transports: ["web_socket"],
    disableConnectivityCheck: true,
    fallbackHosts: [],
  };
}
