/**
 * The emulator's credentials: API keys (keys.ts), Ably tokens (tokens.ts),
 * signed TokenRequests (token_request.ts), Ably JWTs (jwt.ts), capabilities
 * (capability.ts), token revocations (revocations.ts), and the `Authority`
 * that resolves any of them to a `Grant` (authority.ts). Both faces check a
 * credential through the same `Authority`, so it means the same on REST and
 * on a WebSocket.
 *
 * Imports only the core (core/mod.ts: errors and ids), never a face.
 */

export { Authority } from "./authority.ts";
export { type Capability, operationsFor } from "./capability.ts";
export { constantTimeEqual, hmacBase64Url } from "./crypto.ts";
export {
  type ApiKey,
  generateDevKey,
  type KeyInput,
  KeyRing,
  parseKey,
} from "./keys.ts";
export type { RevocationEvent } from "./revocations.ts";
export type { Grant } from "./tokens.ts";
