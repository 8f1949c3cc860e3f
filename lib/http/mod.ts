/**
 * The HTTP edge: the request's origin and client address
 * (`request_origin.ts`), JSON answers and the one error a route throws
 * (`json.ts`), the one body reader for JSON and forms (`body.ts`), an API
 * request's session, Origin check and rate limit (`session.ts`), rate limits
 * in KV and their refusal (`rate_limit.ts`, `rate_limit_refusal.ts`),
 * security headers and private caching. It knows nothing of rooms or of how
 * a session is kept: the session comes in through the `SessionReader` it
 * names.
 */
export {
  errorResponse,
  forbidden,
  HttpError,
  jsonResponse,
  serviceUnavailable,
  unauthorized,
} from "./json.ts";
export {
  BodyError,
  MAX_BODY_BYTES,
  readFormBody,
  readJsonBody,
} from "./body.ts";
export { withPrivateCaching } from "./private_caching.ts";
export { RateLimiter } from "./rate_limit.ts";
export { rateLimitRefusal } from "./rate_limit_refusal.ts";
export {
  clientAddress,
  isSameOrigin,
  isSecureRequest,
  requestOrigin,
} from "./request_origin.ts";
export { withSecurityHeaders } from "./security_headers.ts";
export { apiRequest } from "./session.ts";
export { isPersonalised, PRIVATE_NO_STORE } from "./private_caching.ts";
export type {
  ApiRequest,
  ApiRoute,
  ApiSession,
  SessionReader,
} from "./session.ts";
export type { ProxyOptions } from "./request_origin.ts";
