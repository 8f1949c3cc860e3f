/**
 * The REST face of the emulator: Ably's REST API as ably-js calls it, one
 * module per resource behind the router (router.ts). Its channels are the
 * core's (core/mod.ts), its credentials auth's (auth/mod.ts); it knows
 * nothing of the realtime face, and reaches a live connection only through
 * `RestContext.connectionByKey`, which the server wires in.
 */

export { handleRest } from "./router.ts";
export type { RestContext } from "./context.ts";
