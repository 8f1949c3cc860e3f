/**
 * The app as a Fresh plugin (`plugin.ts`), the composition root: services
 * (`services.ts`), middleware (`middleware.ts`), `ctx.state`'s type
 * (`state.ts`), the HTTP status of refusals and the room-id rule
 * (`errors.ts`) and the outbox sweep for Deno Deploy's cron (`cron.ts`).
 */
export { scheduleOutboxSweep } from "./cron.ts";
export { livePlugin, livePluginOf } from "./plugin.ts";
export { type State } from "./state.ts";
export {
  CHAT_ERROR_STATUS,
  errorResponse,
  roomIdParam,
  seenRoomAccess,
  toHttpError,
} from "./errors.ts";
