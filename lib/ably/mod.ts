/**
 * Ably for the app: the capability policy, the token service and its three
 * token modes (`request`: signed TokenRequest, `token`: TokenDetails from
 * Ably, `jwt`: Ably JWT), the options the browser connects with, and the
 * server's publishers and its read of who is in each room. What is signed here is verified by Ably, or locally by
 * `lib/emulator/`. Routes and islands import from this module only.
 */
export {
  canonicalCapability,
  type Capability,
  PAGE_ROOM_OPERATIONS,
  pageCapability,
} from "./capability.ts";
export {
  type BrowserClientOptions,
  browserClientOptions,
  type ServerClientOptions,
  serverClientOptions,
  type ServiceLocation,
} from "./client_options.ts";
export {
  type BatchMessage,
  createPublisher,
  type Publisher,
  publishToUsers,
} from "./publish.ts";
export {
  OCCUPANCY_DEADLINE_MS,
  type PresenceBatchReader,
  roomOccupancy,
} from "./occupancy.ts";
export {
  AblyUnavailableError,
  createTokenService,
  DEFAULT_TIMEOUT_MS,
  type IssuedCredential,
  type IssueOptions,
  type TokenService,
  type TokenServiceOptions,
} from "./tokens.ts";
export type { TokenRequest } from "./token_request.ts";
export * from "./revoke.ts";
export { type AblyServices, startAblyServices } from "./start.ts";
