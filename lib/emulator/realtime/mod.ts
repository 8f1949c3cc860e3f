/**
 * The realtime face of the emulator: Ably's WebSocket protocol, from the
 * upgrade (hub.ts) through one connection's frames (connection.ts,
 * dispatch.ts and the `*_ops.ts` of each action) to token renewal
 * (renewal.ts). Its channels are the core's (core/mod.ts), its credentials
 * auth's (auth/mod.ts); it knows nothing of REST.
 */

export { RealtimeHub } from "./hub.ts";
