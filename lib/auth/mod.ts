/**
 * Sign-in for the app: the OAuth 2 code flow with PKCE against GitHub or any
 * OpenID Connect issuer (oauth4webapi), sessions in Deno KV, the session
 * cookie. Routes and the app plugin (`lib/app/`) import this module only.
 *
 * Where each part lives: the flow in `flow.ts`, providers in `providers.ts`,
 * cookies in `cookies.ts`, KV sessions in `sessions.ts` (cache:
 * `session_cache.ts`), redirect targets in `redirect.ts`, the user record in
 * `user.ts`, failure codes in `errors.ts`, start-up from config in
 * `start.ts`.
 */
export {
  type Auth,
  type AuthOptions,
  CALLBACK_PATH,
  type CallbackResult,
  createAuth,
  type SessionEndHook,
  SIGN_IN_TTL_MS,
  type SignInHook,
} from "./auth.ts";
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
