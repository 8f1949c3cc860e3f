/**
 * Where the `ably` SDK connects, for the server and for the browser.
 *
 * Three places the app can talk to: Ably itself (SDK defaults), an
 * Ably-compatible service at `ABLY_ENDPOINT` (`config.ably.endpoint`), or the
 * local emulator (`lib/emulator/`, started when no key is configured). The
 * token modes (`request`, `token`, `jwt`; `tokens.ts`) work the same against
 * all three.
 *
 * The browser's options never carry a key or token: the island fetches its
 * credentials from the token route through `authCallback`. They are plain
 * JSON, so they pass through island props unchanged.
 */
import type { BrowserClientOptions } from "../contract/mod.ts";

export type { BrowserClientOptions };

/** Options for the server's `Ably.Rest`, less the key. */
export interface ServerClientOptions {
  endpoint?: string;
  port?: number;
  tlsPort?: number;
  tls?: boolean;
  /** Empty: a custom service has no fallback hosts, and Ably's must not be tried instead. */
  fallbackHosts?: string[];
  useBinaryProtocol?: boolean;
}

/** Where the SDK goes: Ably (`undefined`), a configured endpoint, or the emulator. */
export interface ServiceLocation {
  /** `config.ably.endpoint`, or the emulator's `url`. */
  endpoint: URL | undefined;
  /** The endpoint is this app's own emulator (no TLS). */
  emulator?: boolean;
}

/**
 * Host, port and TLS for an endpoint URL. The SDK takes the port of a TLS
 * connection as `tlsPort` and of a plain one as `port` (TO3k); an
 * `endpoint` containing a dot, `::` or `localhost` is used as the host name
 * itself (REC1b2).
 */
function hostOptions(endpoint: URL) {
  const tls = endpoint.protocol === "https:";
  const port = Number(endpoint.port || (tls ? 443 : 80));
  return tls
    ? { endpoint: endpoint.hostname, tlsPort: port, tls }
    : { endpoint: endpoint.hostname, port, tls };
}

/**
 * What the browser needs to reach the service. Ably: `{}` (the SDK's
 * defaults). The emulator, besides its address: WebSocket only, no
 * connectivity check against Ably's hosts, JSON.
 *
 * @example
 * ```ts
 * browserClientOptions({ endpoint: undefined }); // {}
 * browserClientOptions({ endpoint: new URL("http://127.0.0.1:9000"), emulator: true });
 * // { endpoint: "127.0.0.1", port: 9000, tls: false, transports: ["web_socket"],
 * //   disableConnectivityCheck: true, useBinaryProtocol: false }
 * ```
 */
export function browserClientOptions(
  { endpoint, emulator = false }: ServiceLocation,
): BrowserClientOptions {
  if (!endpoint) return {};
  if (!emulator) return hostOptions(endpoint);
  return {
    ...hostOptions(endpoint),
    transports: ["web_socket"],
    disableConnectivityCheck: true,
    useBinaryProtocol: false,
  };
}

/**
 * What the server's REST client needs to reach the service. A custom endpoint
 * gets no fallback hosts (RSC15b: fallback is for Ably's default endpoint
 * only) and JSON, which every Ably-compatible service speaks.
 */
export function serverClientOptions(
  { endpoint }: ServiceLocation,
): ServerClientOptions {
  if (!endpoint) return {};
  return {
    ...hostOptions(endpoint),
    fallbackHosts: [],
    useBinaryProtocol: false,
  };
}
