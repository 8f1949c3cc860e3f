/**
 * Starts an emulator: one `Deno.serve` on loopback that routes WebSocket
 * upgrades to the realtime hub (realtime/hub.ts) and everything else to the
 * REST handler (rest/router.ts). The counterpart is `emulatorClientOptions`
 * (client_options.ts), which points ably-js at the URL returned here.
 */

import {
  Authority,
  generateDevKey,
  type KeyInput,
  KeyRing,
  parseKey,
} from "./auth/mod.ts";
import {
  DEFAULT_PRESENCE_LIMITS,
  HistoryRetention,
  randomAlnum,
} from "./core/mod.ts";
import { RealtimeHub } from "./realtime/mod.ts";
import { handleRest } from "./rest/mod.ts";

/** Options of startEmulator; every limit has an Ably-like default. */
export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; loopback by default. */
  hostname?: string;
  /** API keys (`appId.keyId:secret`, optionally `={capability}`); a random
   * dev key with every right when none is given. */
  keys?: KeyInput[];
  /** Largest message (name + data + clientId + extras), bytes: 65536. */
  maxMessageSize?: number;
  /** Largest inbound WebSocket frame, bytes: 524288. */
  maxFrameSize?: number;
  /** Simultaneous live connections: 1000. */
  maxConnections?: number;
  /** Live connections one token or JWT may hold at once; past it 40151
   * (Ably's "token connection limit exceeded"): 100. */
  maxConnectionsPerToken?: number;
  /** Members present on one channel at once; past it 91003: 200 (Ably's
   * "Limits" page, every package). */
  maxPresenceMembers?: number;
  /** Bytes of data the members of one channel hold together; past it
   * 91006 (Ably's "total presence set data too large"): 32768. */
  maxPresenceSetDataSize?: number;
  /** Channels one connection may attach: 200. */
  maxChannelsPerConnection?: number;
  /** How long a dropped connection can be resumed, ms: 120000. */
  connectionStateTtl?: number;
  /** How long before a token expires the emulator sends AUTH, if the token
   * lives that long (Ably's 30 s); at expiry an unrenewed connection gets
   * DISCONNECTED 40142, ms: 30000. */
  tokenRenewalLeadMs?: number;
  /** Heartbeat period and the client's idle allowance, ms: 15000. */
  maxIdleInterval?: number;
  /** Delay before a dropped connection's presence leaves, ms: 15000. */
  presenceLeaveDelay?: number;
  /** Publishes kept per channel for history, rewind and resume: 1000. */
  historyLimit?: number;
  /** Channels kept at most (idle ones evicted first): 10000. */
  maxChannels?: number;
  /** Issued tokens kept at most: 100000. */
  maxTokens?: number;
  /** TokenRequest nonces remembered at most: 100000. */
  maxNonces?: number;
  /** Key names (`appId.keyId`) whose tokens can be revoked (RSA17), as the
   * "Revocable tokens" key setting on Ably; off for given keys unless
   * listed, on for the generated dev key. */
  revocableKeys?: string[];
  /** Revocations kept per key; past it the oldest are folded into a
   * key-wide cut-off (fails closed): 10000. */
  maxRevocationsPerKey?: number;
  /** Enforcement delay of a revocation with allowReauthMargin, ms: 30000. */
  reauthMarginMs?: number;
  /** Channel namespaces with a "persist" rule: their history is kept 24 h
   * (`persist: ["chat"]` covers `chat:*`). */
  persist?: string[];
  /** History kept for every other channel, ms: 120000 (Ably's default). */
  historyRetentionMs?: number;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** Port actually bound. */
  port: number;
  /** Hostname bound. */
  hostname: string;
  /** The keys it accepts, as `appId.keyId:secret`. */
  keys: string[];
  /** Closes every socket, timer and the listener. */
  close(): Promise<void>;
}

/** Starts an Ably-compatible emulator. */
export function startEmulator(
  options: EmulatorOptions = {},
): Promise<Emulator> {
  const given = options.keys?.length ? options.keys : undefined;
  const revocable = new Set(options.revocableKeys ?? []);
  const keys = (given ?? [generateDevKey()]).map(parseKey).map((key) => ({
    ...key,
    // The generated dev key behaves like a key set up for revocation.
    revocableTokens: key.revocableTokens || !given ||
      revocable.has(key.keyName),
  }));
  const unknown = [...revocable].filter((name) =>
    !keys.some((k) => k.keyName === name)
  );
  if (unknown.length > 0) {
    return Promise.reject(
      new TypeError(`revocableKeys names no given key: ${unknown.join(", ")}`),
    );
  }
  let retention: HistoryRetention;
  try {
    retention = new HistoryRetention({
      persist: options.persist,
      defaultMs: options.historyRetentionMs,
    });
  } catch (err) {
    return Promise.reject(err);
  }
  const ring = new KeyRing(keys);
  const auth = new Authority(ring, {
    maxTokens: options.maxTokens ?? 100_000,
    maxNonces: options.maxNonces ?? 100_000,
    maxRevocationsPerKey: options.maxRevocationsPerKey ?? 10_000,
    reauthMarginMs: options.reauthMarginMs ?? 30_000,
  }, Date.now);
  const maxMessageSize = options.maxMessageSize ?? 65_536;
  const hub = new RealtimeHub(auth, {
    maxMessageSize,
    maxFrameSize: options.maxFrameSize ?? 524_288,
    maxConnections: options.maxConnections ?? 1000,
    maxConnectionsPerToken: options.maxConnectionsPerToken ?? 100,
    presence: {
      maxMembers: options.maxPresenceMembers ??
        DEFAULT_PRESENCE_LIMITS.maxMembers,
      maxDataSize: options.maxPresenceSetDataSize ??
        DEFAULT_PRESENCE_LIMITS.maxDataSize,
    },
    maxChannelsPerConnection: options.maxChannelsPerConnection ?? 200,
    connectionStateTtl: options.connectionStateTtl ?? 120_000,
    tokenRenewalLeadMs: options.tokenRenewalLeadMs ?? 30_000,
    maxIdleInterval: options.maxIdleInterval ?? 15_000,
    presenceLeaveDelay: options.presenceLeaveDelay ?? 15_000,
    historyLimit: options.historyLimit ?? 1000,
    maxChannels: options.maxChannels ?? 10_000,
    retention,
    serverId: `emulator-${randomAlnum(6)}`,
  });
  const restCtx = {
    auth,
    channels: hub.channels,
    maxMessageSize,
    connectionByKey: (key: string) => hub.connectionByKey(key),
    now: Date.now,
  };
  const hostname = options.hostname ?? "127.0.0.1";
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      port: options.port ?? 0,
      hostname,
      onListen: () => {},
    }, (req) => {
      if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
        return hub.upgrade(req);
      }
      return handleRest(req, restCtx);
    });
  } catch (err) {
    auth.revocations.close();
    hub.close();
    return Promise.reject(err);
  }
  const port = server.addr.port;
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    url: `http://${urlHost}:${port}`,
    port,
    hostname,
    keys: ring.all().map((k) => `${k.keyName}:${k.secret}`),
    close() {
      closing ??= (async () => {
        auth.revocations.close();
        hub.close();
        await server.shutdown();
      })();
      return closing;
    },
  });
}
