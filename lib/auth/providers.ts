/**
 * The providers a user can sign in with, each described to oauth4webapi as an
 * authorization server plus a way to learn who signed in:
 *
 * - `githubProvider`: GitHub, plain OAuth 2 (no OpenID Connect). Endpoints are
 *   written out; the user comes from `GET https://api.github.com/user`.
 * - `oidcProvider`: any OpenID Connect issuer, found by discovery (OIDC
 *   Discovery §4) on first use and remembered; the user comes from the ID
 *   token's claims, completed from the UserInfo endpoint when the ID token
 *   carries no name (or, where a verified email is what owners invite by, no
 *   email). The embedded provider (`lib/idp`) is one of these,
 *   named `embedded`.
 *
 * `sign_in_start.ts` and `exchange.ts` drive the code flow against a
 * `Provider`; nothing here knows about sessions or cookies.
 */
import { isLoopbackUrl } from "../platform/mod.ts";
import * as oauth from "oauth4webapi";
import { AuthError } from "./errors.ts";
import type { ProviderProfile } from "./user.ts";

/** A provider the code flow can run against. */
export interface Provider {
  /** The provider part of user ids: `github`, `oidc`, `embedded`. */
  readonly name: string;
  /** Scopes asked for at the authorization endpoint. */
  readonly scope: string;
  /** Whether the token response must carry an ID token (OpenID Connect). */
  readonly openid: boolean;
  /** The client as registered with the provider. */
  readonly client: oauth.Client;
  /** How the client authenticates at the token endpoint. */
  readonly clientAuth: oauth.ClientAuth;
  /** Options for every oauth4webapi request (plain http to loopback, fetch, timeout). */
  requestOptions(): RequestOptions;
  /** The authorization server's metadata; may fetch it (discovery). */
  authorizationServer(): Promise<oauth.AuthorizationServer>;
  /** Gives the provider a chance to make its token response standard before oauth4webapi reads it. */
  normalizeTokenResponse?(response: Response): Promise<Response>;
  /** Who signed in, from the token response. */
  fetchProfile(
    as: oauth.AuthorizationServer,
    tokens: oauth.TokenEndpointResponse,
  ): Promise<ProviderProfile>;
}

export interface RequestOptions {
  [oauth.allowInsecureRequests]?: boolean;
  [oauth.customFetch]?: typeof fetch;
  signal?: AbortSignal;
}

/** How long any one request to a provider may take. */
export const PROVIDER_TIMEOUT_MS = 10_000;

interface CommonOptions {
  clientId: string;
  /** The client secret itself; callers hold it in a `Secret` until here. */
  clientSecret: string;
  /** `fetch` to use for the provider's endpoints (tests point it at fakes). */
  fetch?: typeof fetch;
}

export interface GitHubOptions extends CommonOptions {
  /** GitHub's endpoints; tests point them at a fake on loopback. */
  endpoints?: {
    authorization: string;
    token: string;
    user: string;
  };
}

const GITHUB_ENDPOINTS = {
  authorization: "https://github.com/login/oauth/authorize",
  token: "https://github.com/login/oauth/access_token",
  user: "https://api.github.com/user",
};

/** GitHub as an OAuth 2 provider. */
export function githubProvider(options: GitHubOptions): Provider {
  const endpoints = options.endpoints ?? GITHUB_ENDPOINTS;
  const insecure = isLoopbackHttp(endpoints.token);
  const as: oauth.AuthorizationServer = {
    issuer: "https://github.com/login/oauth",
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    code_challenge_methods_supported: ["S256"],
  };
  const fetchImpl = options.fetch ?? fetch;
  const requestOptions = () => baseOptions(insecure, options.fetch);
  return {
    name: "github",
    scope: "read:user",
    openid: false,
    client: { client_id: options.clientId },
    clientAuth: oauth.ClientSecretPost(options.clientSecret),
    requestOptions,
    authorizationServer: () => Promise.resolve(as),
    // GitHub answers a refused code with 200 and `{"error": …}`, where RFC
    // 6749 §5.2 says 400; re-status it so oauth4webapi reports it as the
    // token error it is.
    async normalizeTokenResponse(response) {
      if (response.status !== 200) return response;
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const isError = typeof body === "object" && body !== null &&
        "error" in body;
      return new Response(text, {
        status: isError ? 400 : 200,
        headers: response.headers,
      });
    },
    async fetchProfile(_as, tokens) {
      const response = await fetchImpl(endpoints.user, {
        headers: {
          "Authorization": `Bearer ${tokens.access_token}`,
          "Accept": "application/vnd.github+json",
          "User-Agent": "live",
        },
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new AuthError(
          "provider_unavailable",
          `GitHub's user endpoint answered ${response.status}`,
        );
      }
      const user = await response.json() as Record<string, unknown>;
      return {
        subject: user.id,
        login: user.login,
        name: user.name,
        avatarUrl: user.avatar_url,
      };
    },
  };
}

export interface OidcOptions extends CommonOptions {
  /** The issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: URL;
  /** The provider part of user ids; `oidc` unless given (`embedded` for lib/idp). */
  name?: string;
  /**
   * Whether to ask for the `email` scope and keep a verified email: what an
   * owner invites a person by where logins are not unique (OIDC Core §5.7).
   * Off for the embedded provider, whose names are unique and exact.
   */
  verifiedEmail?: boolean;
}

/** Any OpenID Connect issuer, by discovery. */
export function oidcProvider(options: OidcOptions): Provider {
  const insecure = isLoopbackHttp(options.issuer.href);
  const requestOptions = () => baseOptions(insecure, options.fetch);
  const client: oauth.Client = { client_id: options.clientId };
  let metadata: Promise<oauth.AuthorizationServer> | undefined;

  return {
    name: options.name ?? "oidc",
    scope: options.verifiedEmail ? "openid profile email" : "openid profile",
    openid: true,
    client,
    clientAuth: oauth.ClientSecretBasic(options.clientSecret),
    requestOptions,
    authorizationServer() {
      // Discovered once; a failure is not remembered, so the next sign-in
      // tries again instead of the app needing a restart.
      metadata ??= discover(options.issuer, requestOptions()).catch((error) => {
        metadata = undefined;
        throw error;
      });
      return metadata;
    },
    async fetchProfile(as, tokens) {
      // OIDC Core §3.1.3.7: oauth4webapi has validated iss, aud, exp, iat
      // (and azp) of the ID token before we see its claims.
      const claims = oauth.getValidatedIdTokenClaims(tokens);
      if (!claims) {
        throw new AuthError(
          "provider_unavailable",
          "no ID token in the token response",
        );
      }
      let info: Record<string, unknown> = claims;
      if (
        as.userinfo_endpoint &&
        ((claims.preferred_username === undefined &&
          claims.name === undefined) ||
          // OIDC Core §5.4: many providers return `email` from UserInfo only.
          (options.verifiedEmail && claims.email === undefined))
      ) {
        const response = await oauth.userInfoRequest(
          as,
          client,
          tokens.access_token,
          requestOptions(),
        );
        // OIDC Core §5.3.2: the UserInfo `sub` must equal the ID token's.
        const userinfo = await oauth.processUserInfoResponse(
          as,
          client,
          claims.sub,
          response,
        );
        info = { ...userinfo, ...claims };
      }
      return oidcProfile(info, options.verifiedEmail ?? false);
    },
  };
}

/**
 * The profile in an OIDC provider's claims (ID token, completed from
 * UserInfo). The email is kept only when asked for and the provider says it
 * verified it (OIDC Core §5.1: `email_verified` is `true`): an unverified
 * email is whatever the account typed, so anyone could claim another's.
 *
 * @example
 * ```ts
 * oidcProfile({ sub: "1", email: "c@example.com", email_verified: true }, true);
 * // { subject: "1", login: undefined, name: undefined, avatarUrl: undefined, email: "c@example.com" }
 * ```
 */
export function oidcProfile(
  claims: Record<string, unknown>,
  verifiedEmail: boolean,
): ProviderProfile {
  const profile: ProviderProfile = {
    subject: claims.sub,
    login: claims.preferred_username ?? claims.nickname,
    name: claims.name,
    avatarUrl: claims.picture,
  };
  if (verifiedEmail && claims.email_verified === true) {
    profile.email = claims.email;
  }
  return profile;
}

async function discover(
  issuer: URL,
  options: RequestOptions,
): Promise<oauth.AuthorizationServer> {
  const response = await oauth.discoveryRequest(issuer, {
    ...options,
    algorithm: "oidc",
  });
  // OIDC Discovery §4.3: the document's `issuer` must be the one asked for;
  // oauth4webapi checks it.
  return await oauth.processDiscoveryResponse(issuer, response);
}

function baseOptions(
  insecure: boolean,
  fetchImpl?: typeof fetch,
): RequestOptions {
  const options: RequestOptions = {
    signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
  };
  if (insecure) options[oauth.allowInsecureRequests] = true;
  if (fetchImpl) options[oauth.customFetch] = fetchImpl;
  return options;
}

/** Plain http is allowed to this machine only (the embedded provider, fakes in tests). */
function isLoopbackHttp(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === "http:" && isLoopbackUrl(parsed);
}
