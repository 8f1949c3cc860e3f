/**
 * Sign-in for the app: the OAuth 2 code flow with PKCE against GitHub or any
 * OpenID Connect issuer (oauth4webapi), sessions in Deno KV, the session
 * cookie. Routes and the app plugin (`lib/app/`) import this module only.
 *
 * Where each part lives: `createAuth` in `auth.ts`, binding one module a
 * step: the start in `sign_in_start.ts`, the pending sign-in in
 * `pending_sign_in.ts`, the callback in `callback.ts` (the provider's half
 * in `exchange.ts`), sign-out in `sign_out.ts`. Providers in
 * `providers.ts`, cookies in `cookies.ts`, KV sessions in `sessions.ts`
 * (cache: `session_cache.ts`), redirect targets in `redirect.ts`, the user
 * record in `user.ts`, failure codes in `errors.ts`, spans in
 * `flow_telemetry.ts`, start-up from config in `start.ts`.
 */
export { type Auth, type AuthOptions, createAuth } from "./auth.ts";
export type { CallbackResult } from "./callback.ts";
export type { SessionEndHook, SignInHook } from "./deps.ts";
export { SIGN_IN_TTL_MS } from "./pending_sign_in.ts";
export { CALLBACK_PATH } from "./sign_in_start.ts";
export { AuthError, type AuthErrorCode } from "./errors.ts";
export {
  type GitHubOptions,
  githubProvider,
  type OidcOptions,
  oidcProvider,
  type Provider,
} from "./providers.ts";
export { safeRedirectTarget, SIGN_IN_PATH, signInPath } from "./redirect.ts";
export type { SessionCacheOptions } from "./session_cache.ts";
export type { SessionRecord, SessionStore } from "./sessions.ts";
export type { User } from "./user.ts";
export {
  type AuthServices,
  type AuthServicesOptions,
  startAuthServices,
} from "./start.ts";
export { carriesSessionCookie } from "./cookies.ts";
