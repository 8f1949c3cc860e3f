/**
 * The realtime endpoint: accepts WebSocket upgrades at `/`, authenticates
 * the CONNECT carried in the query string (RTN2: `key` or `access_token` /
 * `accessToken`, `clientId`, `echo`, `resume`/`recover`, `format` json or
 * msgpack, `v`), creates or resumes a Connection (RTN15; a resume re-checks
 * the attached channels against the token it brings), sends heartbeats to
 * every live socket every `maxIdleInterval` (RTN23), and carries token
 * revocations (RSA17, auth/revocations.ts) to the live connections they hit. The
 * counterpart is ably-js `WebSocketTransport` + `ConnectionManager`, which
 * builds that URL and expects CONNECTED or ERROR as the first frame.
 */

import type { Authority, Grant, RevocationEvent } from "../auth/mod.ts";
import {
  AblyError,
  Action,
  asAblyError,
  ChannelRegistry,
  encodeMsgpack,
  Errors,
  type HistoryRetention,
  type PresenceLimits,
  type WireFormat,
} from "../core/mod.ts";
import {
  Connection,
  type ConnectionHost,
  type ConnectionLimits,
} from "./connection.ts";
import { narrowChannels } from "./channel_ops.ts";
import { ConnectionKeys } from "./connection_keys.ts";

/** Settings of the realtime endpoint. */
export interface HubOptions extends ConnectionLimits {
  maxConnections: number;
  /** Live connections one token (or JWT) may hold at once (40151). */
  maxConnectionsPerToken: number;
  /** Per-channel presence bounds (presence.ts). */
  presence: PresenceLimits;
  historyLimit: number;
  maxChannels: number;
  /** How long each channel's history is kept. */
  retention: HistoryRetention;
}

/** Every realtime connection of one emulator. */
export class RealtimeHub implements ConnectionHost {
  readonly channels: ChannelRegistry;
  readonly connectionKeys = new ConnectionKeys();
  readonly limits: HubOptions;
  readonly #auth: Authority;
  readonly #byId = new Map<string, Connection>();
  readonly #byKey = new Map<string, Connection>();
  readonly #pending = new Set<WebSocket>();
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(auth: Authority, options: HubOptions) {
    this.#auth = auth;
    this.limits = options;
    this.channels = new ChannelRegistry(
      options.historyLimit,
      options.maxChannels,
      options.retention,
      options.presence,
    );
    // RSA17: revocations reach live connections at once (or, with
    // allowReauthMargin, an AUTH first and the cut when the margin ends).
    auth.revocations.subscribe((event) => this.#onRevocation(event));
    this.#heartbeat = setInterval(() => {
      for (const conn of this.#byId.values()) conn.heartbeat();
    }, options.maxIdleInterval);
  }

  /** Connections that currently hold a socket. */
  get liveConnections(): number {
    let n = 0;
    for (const conn of this.#byId.values()) if (conn.live) n++;
    return n;
  }

  now(): number {
    return Date.now();
  }

  /** The live connection with this connectionKey (RTN9), if any. */
  connectionByKey(key: string): Connection | undefined {
    const conn = this.#byKey.get(key);
    return conn && !conn.closed ? conn : undefined;
  }

  grantForToken(token: string): Grant {
    return this.#auth.grantForToken(token);
  }

  forget(connection: Connection): void {
    if (this.#byId.get(connection.id) === connection) {
      this.#byId.delete(connection.id);
      this.#byKey.delete(connection.key);
    }
  }

  #onRevocation(event: RevocationEvent): void {
    const now = this.now();
    const revocations = this.#auth.revocations;
    for (const conn of [...this.#byId.values()]) {
      if (!conn.live || conn.grant.keyName !== event.keyName) continue;
      if (revocations.isRevoked(conn.grant, now)) {
        // A token error: ably-js fetches a new token and resumes (RTN15h2);
        // one its auth server now refuses stays disconnected.
        conn.disconnectWith(Errors.tokenRevoked());
      } else if (event.reauth && revocations.isPending(conn.grant, now)) {
        conn.renewal.requestReauth();
      }
    }
  }

  /** Upgrades a request to the realtime protocol. */
  upgrade(req: Request): Response {
    if (this.#closed) {
      return new Response("shutting down", { status: 503 });
    }
    const params = new URL(req.url).searchParams;
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(req);
    } catch {
      return new Response("malformed WebSocket upgrade", { status: 400 });
    }
    const { socket, response } = upgraded;
    this.#pending.add(socket);
    socket.onopen = () => {
      this.#pending.delete(socket);
      if (this.#closed) {
        socket.close(1001);
        return;
      }
      this.#open(socket, params);
    };
    socket.onclose = () => this.#pending.delete(socket);
    socket.onerror = () => this.#pending.delete(socket);
    return response;
  }

  #open(socket: WebSocket, params: URLSearchParams): void {
    const asked = params.get("format") ?? "json";
    const format: WireFormat = asked === "msgpack" ? "msgpack" : "json";
    let grant: Grant;
    let clientId: string | undefined;
    try {
      // RTN2a: JSON or msgpack (ably-js's default outside browsers).
      if (asked !== "json" && asked !== "msgpack") {
        throw Errors.badRequest(`Unsupported format ${asked.slice(0, 32)}`);
      }
      // RTN2f: protocol version 2 or later (ably-js 2.x sends 6).
      const v = params.get("v");
      if (v !== null && !(Number(v) >= 2)) {
        throw Errors.unsupportedVersion(`Unsupported protocol version ${v}`);
      }
      grant = this.#authenticate(params);
      clientId = this.#identity(grant, params.get("clientId"));
      if (this.liveConnections >= this.limits.maxConnections) {
        throw Errors.connectionLimit(this.limits.maxConnections);
      }
      this.#checkTokenConnections(
        grant,
        params.get("resume") ?? params.get("recover"),
      );
    } catch (err) {
      // Auth failures at connect: ERROR then close; a 4014x code makes the
      // client fetch a new token and retry (RSA4b), others fail it (RTN14).
      rejectSocket(socket, asAblyError(err), format);
      return;
    }
    const echo = params.get("echo") !== "false";
    const resumeKey = params.get("resume") ?? params.get("recover");
    if (resumeKey !== null) {
      const existing = this.#byKey.get(resumeKey);
      if (existing && !existing.closed && existing.clientId === clientId) {
        // RTN15c6: same connectionId, state and channels kept.
        existing.bind(socket, grant, format);
        // The resume may bring a narrower token than the one the channels
        // were attached with: apply it as an in-band re-auth does (RTN22).
        narrowChannels(existing);
        return;
      }
    }
    const conn = new Connection(this, grant, clientId, echo);
    this.#byId.set(conn.id, conn);
    this.#byKey.set(conn.key, conn);
    // RTN15c7 / RTN16d: a resume or recover that cannot be honoured gets a
    // new connection and the reason: 80008 for a key this emulator issued
    // whose connection is gone, 80018 for any other (connection_keys.ts).
    let reason: AblyError | undefined;
    if (resumeKey !== null) {
      reason = this.connectionKeys.issued(resumeKey)
        ? Errors.connectionExpired()
        : Errors.invalidConnectionKey();
    }
    conn.bind(socket, grant, format, reason);
  }

  /**
   * One token may carry a bounded number of live connections (Ably error
   * 40151, token connection limit exceeded); key auth is not a token. The
   * connection a resume takes back does not count against its own token.
   */
  #checkTokenConnections(grant: Grant, resumeKey: string | null): void {
    if (grant.token === undefined) return;
    const max = this.limits.maxConnectionsPerToken;
    let n = 0;
    for (const conn of this.#byId.values()) {
      if (!conn.live || conn.grant.token !== grant.token) continue;
      if (conn.key !== resumeKey && ++n >= max) {
        throw Errors.tokenConnectionLimit(max);
      }
    }
  }

  /** RSA11 basic key auth or RSA3 token auth from the query string. */
  #authenticate(params: URLSearchParams): Grant {
    const key = params.get("key");
    const token = params.get("access_token") ?? params.get("accessToken");
    if (key !== null) return this.#auth.grantForKey(key);
    if (token !== null) return this.#auth.grantForToken(token);
    throw Errors.invalidCredentials("No key or access_token in the request");
  }

  /**
   * RSA7 / RTN2d: the connection's clientId. A token bound to a clientId
   * fixes it (a different one asked for → 40102); a wildcard token or a key
   * lets the client pick one or stay anonymous.
   */
  #identity(grant: Grant, asked: string | null): string | undefined {
    if (asked === "*") {
      throw Errors.invalidClientId("clientId '*' cannot be used to connect");
    }
    if (grant.clientId === undefined) {
      if (asked !== null) {
        throw Errors.incompatibleCredentials(
          "clientId given but the token is anonymous",
        );
      }
      return undefined;
    }
    if (grant.clientId === "*") return asked ?? undefined;
    if (asked !== null && asked !== grant.clientId) {
      throw Errors.incompatibleCredentials(
        "clientId does not match the token's clientId",
      );
    }
    return grant.clientId;
  }

  /** Closes every socket and timer; the hub accepts nothing afterwards. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const conn of [...this.#byId.values()]) conn.destroy(1001);
    for (const socket of this.#pending) {
      try {
        socket.close(1001);
      } catch {
        // Not open yet: Deno drops it with the server.
      }
    }
    this.#pending.clear();
  }
}

function rejectSocket(
  socket: WebSocket,
  err: AblyError,
  format: WireFormat,
): void {
  const frame = { action: Action.ERROR, error: err.toWire() };
  try {
    socket.send(
      format === "msgpack" ? encodeMsgpack(frame) : JSON.stringify(frame),
    );
    socket.close(1000);
  } catch {
    // The client left already.
  }
}
