/**
 * The HTTP edge: the request's origin and client address
 * (`request_origin.ts`), JSON answers and the body reader (`json.ts`), the
 * API session (`session.ts`), rate limits in KV and their refusal
 * (`rate_limit.ts`, `rate_limit_refusal.ts`), security headers and private
 * caching. It knows nothing of rooms or of how a session is kept: the
 * session comes in through the `SessionReader` it names.
 */
export {
  BodyError,
  errorResponse,
  forbidden,
  HttpError,
  jsonResponse,
  readBodyBytes,
  readJsonBody,
  unauthorized,
} from "./json.ts";
export { withPrivateCaching } from "./private_caching.ts";
export { RateLimiter } from "./rate_limit.ts";
export { rateLimitedResponse } from "./rate_limit_refusal.ts";
export {
  clientAddress,
  isSameOrigin,
  isSecureRequest,
  requestOrigin,
} from "./request_origin.ts";
export { withSecurityHeaders } from "./security_headers.ts";
export { apiSession, stateChangeSession } from "./session.ts";
export { isPersonalised, PRIVATE_NO_STORE } from "./private_caching.ts";
export type { ApiSession, SessionReader } from "./session.ts";
export { MAX_JSON_BODY_BYTES } from "./json.ts";
export type { ProxyOptions } from "./request_origin.ts";
