/**
 * The embedded OpenID Connect provider: what `deno task start` and the tests
 * sign in against when no real provider is configured (`OAUTH_PROVIDER`
 * unset). It is oidc-provider, in process, on a loopback port.
 *
 * `startIdp()` returns the issuer URL and the credentials of the one client
 * it knows (the app: confidential, `client_secret_basic`, PKCE S256 required,
 * authorization code only). Any user name signs in through a plain form
 * (`login_page.ts`); there is no consent screen, since `loadExistingGrant`
 * grants `openid profile` to the app on first sign-in. The subject is the
 * user name; `preferred_username` and `name` carry it too.
 *
 * What it keeps out of the app's log: oidc-provider's "Unsupported runtime"
 * warning (printed once, at import) is filtered while the module loads, and
 * every default that would announce itself as development-only (signing
 * keys, storage, interactions, TTLs, error page) is replaced here.
 *
 * Its cookies are named `idp_*`: a browser shares cookies across ports of
 * one host, and the app's own cookie is `session`.
 */
import { randomId } from "../platform/mod.ts";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createMemoryAdapter } from "./adapter.ts";
import { handleInteraction, isInteractionPath } from "./login_page.ts";

export interface IdpOptions {
  /** Port to listen on, 127.0.0.1 only; 0 (the default) picks a free one. */
  port?: number;
  /**
   * Where the app may ask to be sent back: a list of exact URLs, or a
   * predicate (tests whose app port is not known until after the provider
   * has started accept any loopback `/auth/callback`).
   */
  redirectUris: readonly string[] | ((uri: string) => boolean);
}

export interface Idp {
  /** The issuer URL, e.g. `http://127.0.0.1:43123`; discovery sits below it. */
  issuer: URL;
  /** The app's client id. */
  clientId: string;
  /** The app's client secret, random per start. */
  clientSecret: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const CLIENT_ID = "live";
const TTL_SECONDS = {
  AccessToken: 10 * 60,
  AuthorizationCode: 60,
  IdToken: 10 * 60,
  Interaction: 10 * 60,
  Session: 24 * 60 * 60,
  Grant: 24 * 60 * 60,
};

/**
 * Starts the provider on 127.0.0.1.
 *
 * @example
 * ```ts
 * const idp = await startIdp({ redirectUris: ["http://127.0.0.1:8000/auth/callback"] });
 * try {
 *   const res = await fetch(new URL("/.well-known/openid-configuration", idp.issuer));
 *   (await res.json()).issuer === idp.issuer.href.replace(/\/$/, ""); // true
 * } finally {
 *   await idp.close();
 * }
 * ```
 */
export async function startIdp(options: IdpOptions): Promise<Idp> {
  const [{ Provider }, signingKey] = await Promise.all([
    loadProvider(),
    generateSigningKey(),
  ]);

  // The issuer must be known before oidc-provider is built, and the port only
  // once the server listens: listen first, then install the handler.
  let handler = (_req: IncomingMessage, _res: ServerResponse): void => {};
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  const issuer = new URL(`http://127.0.0.1:${port}`);
  const clientSecret = randomToken();
  const accepts = redirectPredicate(options.redirectUris);

  const provider = new Provider(issuer.href.replace(/\/$/, ""), {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: clientSecret,
      // oidc-provider needs one registered URI to validate the client;
      // `redirectUriAllowed` below is what decides.
      redirect_uris: ["http://127.0.0.1/auth/callback"],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "ES256",
    }],
    jwks: { keys: [signingKey] },
    adapter: createMemoryAdapter(),
    cookies: {
      keys: [randomToken()],
      names: {
        session: "idp_session",
        interaction: "idp_interaction",
        resume: "idp_interaction_resume",
      },
    },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) =>
        `/interaction/${interaction.uid}`,
    },
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
    },
    findAccount: (_ctx: unknown, accountId: string) => ({
      accountId,
      claims: () => ({
        sub: accountId,
        name: accountId,
        preferred_username: accountId,
      }),
    }),
    loadExistingGrant,
    ttl: TTL_SECONDS,
    renderError,
  });
  provider.Client.prototype.redirectUriAllowed = accepts;

  const oidc = provider.callback();
  handler = (req, res) => {
    const { pathname } = new URL(req.url ?? "/", issuer);
    if (isInteractionPath(pathname)) {
      handleInteraction(provider, req, res).catch(() => {
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
    } else {
      if (pathname === "/auth" || pathname.startsWith("/auth/")) {
        forgetProviderSession(req);
      }
      oidc(req, res);
    }
  };

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// deno-lint-ignore no-explicit-any -- oidc-provider ships no types
type OidcProviderModule = any;

let providerModule: Promise<OidcProviderModule> | undefined;

/**
 * Imports oidc-provider once, with its import-time "Unsupported runtime"
 * warning dropped: it is about Node LTS versions and says nothing useful
 * under Deno, where the provider works.
 */
function loadProvider(): Promise<OidcProviderModule> {
  providerModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (
        typeof args[0] === "string" &&
        args[0].includes("oidc-provider WARNING: Unsupported runtime")
      ) return;
      warn(...args);
    };
    try {
      return await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  })();
  return providerModule;
}

/** An ES256 key, made per start: fast to generate, and no key is shared between runs. */
async function generateSigningKey(): Promise<JsonWebKey & { kid: string }> {
  const pair = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  );
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return {
    kty: jwk.kty,
    crv: jwk.crv,
    x: jwk.x,
    y: jwk.y,
    d: jwk.d,
    kid: randomToken().slice(0, 16),
  };
}

function randomToken(): string {
  return randomId(32);
}

function redirectPredicate(
  allowed: IdpOptions["redirectUris"],
): (uri: string) => boolean {
  if (typeof allowed === "function") return allowed;
  const set = new Set(allowed);
  return (uri) => set.has(uri);
}

/**
 * Every sign-in asks for a user name: signing out of the app and in again is
 * how a developer switches from "alice" to "bob", so the authorization
 * endpoint and its resume step (`/auth`, `/auth/:uid`) never see the
 * provider's session from an earlier sign-in (which would also make
 * oidc-provider ask to log the earlier user out first).
 */
function forgetProviderSession(req: IncomingMessage): void {
  const cookie = req.headers.cookie;
  if (!cookie) return;
  req.headers.cookie = cookie.split(";")
    .filter((pair) => !/^\s*idp_session(\.sig)?=/.test(pair))
    .join(";");
}

/**
 * No consent screen: the app is the provider's only client, so the first
 * sign-in grants it `openid profile` and later ones reuse that grant.
 */
// deno-lint-ignore no-explicit-any -- oidc-provider's context, untyped
async function loadExistingGrant(ctx: any): Promise<unknown> {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId ??
    oidc.session.grantIdFor(oidc.client.clientId);
  if (grantId) {
    const existing = await oidc.provider.Grant.find(grantId);
    if (existing) return existing;
  }
  const grant = new oidc.provider.Grant({
    clientId: oidc.client.clientId,
    accountId: oidc.session.accountId,
  });
  grant.addOIDCScope("openid profile");
  await grant.save();
  return grant;
}

/** Errors the provider shows itself (not those it redirects back to the app with). */
// deno-lint-ignore no-explicit-any -- oidc-provider's context and error, untyped
function renderError(ctx: any, out: { error?: string }): void {
  const error = String(out.error ?? "server_error").replace(/[^a-z_]/g, "");
  ctx.type = "html";
  ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error · embedded provider</title></head>
<body><h1>Sign-in error</h1><p>The provider refused the request (${error}). Go back to the app and sign in again.</p></body></html>`;
}
