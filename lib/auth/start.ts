/**
 * Sign-in as configured: turns `config.oauth` into a running `Auth`.
 *
 * - `github`, `oidc`: the provider from its client settings; nothing to start.
 * - `embedded`: starts the embedded OpenID Connect provider (`lib/idp`) on a
 *   free loopback port, accepting any loopback `/auth/callback` as redirect
 *   URI (the app's own port may be chosen after this runs), and signs in
 *   against it as provider `embedded`.
 *
 * `close()` stops what was started; the KV handle stays the caller's.
 */
import { type AppConfig, isLoopbackUrl } from "../platform/mod.ts";
import { type Idp, startIdp } from "../idp/mod.ts";
import { type Auth, createAuth } from "./auth.ts";
import type { SessionEndHook, SignInHook } from "./deps.ts";
import { CALLBACK_PATH } from "./sign_in_start.ts";
import { githubProvider, oidcProvider, type Provider } from "./providers.ts";
import type { SessionCacheOptions } from "./session_cache.ts";

export interface AuthServicesOptions {
  /** Passed to `createAuth`; its default (on, 5 s) unless given. */
  sessionCache?: SessionCacheOptions | false;
  /** What must follow a sign-out (revoking the user's tokens). */
  onSessionEnd?: SessionEndHook;
  /** Passed to `createAuth`. */
  onSignIn?: SignInHook;
}

export interface AuthServices {
  auth: Auth;
  /** The embedded provider, when `OAUTH_PROVIDER` is unset. */
  idp: Idp | undefined;
  /** Stops the embedded provider, if one was started. */
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * import type { AppConfig } from "../platform/mod.ts";
 * declare const config: AppConfig;
 * declare const kv: Deno.Kv;
 * const { auth, close } = await startAuthServices(config, kv);
 * ```
 */
export async function startAuthServices(
  config:
    & Pick<AppConfig, "oauth" | "sessionTtlSeconds">
    & Partial<Pick<AppConfig, "trustProxy">>,
  kv: Deno.Kv,
  options: AuthServicesOptions = {},
): Promise<AuthServices> {
  let idp: Idp | undefined;
  let provider: Provider;
  const { oauth } = config;
  switch (oauth.provider) {
    case "github":
      provider = githubProvider({
        clientId: oauth.clientId,
        clientSecret: oauth.clientSecret.reveal(),
      });
      break;
    case "oidc":
      provider = oidcProvider({
        issuer: oauth.issuer,
        clientId: oauth.clientId,
        clientSecret: oauth.clientSecret.reveal(),
        verifiedEmail: true,
      });
      break;
    case "embedded":
      idp = await startIdp({ redirectUris: isLoopbackCallback });
      provider = oidcProvider({
        name: "embedded",
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
      });
      break;
  }
  const auth = createAuth({
    kv,
    provider,
    sessionTtlSeconds: config.sessionTtlSeconds,
    sessionCache: options.sessionCache,
    trustProxy: config.trustProxy ?? false,
    onSessionEnd: options.onSessionEnd,
    onSignIn: options.onSignIn,
  });
  return {
    auth,
    idp,
    close: async () => {
      await idp?.close();
    },
  };
}

/** `http://127.0.0.1:<any port>/auth/callback` (or localhost, `[::1]`): the app on this machine. */
export function isLoopbackCallback(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return url.protocol === "http:" &&
    isLoopbackUrl(url) &&
    url.pathname === CALLBACK_PATH && !url.search && !url.hash &&
    !url.username && !url.password;
}
