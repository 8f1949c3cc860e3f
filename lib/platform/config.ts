/**
 * The app's configuration: every environment variable is read here, once,
 * validated, and turned into a typed `AppConfig`. Nothing else in the app calls
 * `Deno.env`.
 *
 * A bad or missing value throws a `ConfigError` that names the variable, so
 * start-up stops with a message a deployer can act on. Secrets are wrapped in
 * `Secret` so that logging a config object prints `[redacted]`.
 *
 * The table of variables lives in README.md ("Configuration"); keep the two
 * in step.
 */
import { isLoopbackUrl } from "./net.ts";
import { Secret } from "./secret.ts";

export type TokenMode = "request" | "token" | "jwt";
export type LogLevel = "debug" | "info" | "warning" | "error";

/** An Ably API key `appId.keyId:secret`, split at the colon. */
export interface AblyKey {
  /** `appId.keyId`: public, sent in every TokenRequest. */
  keyName: string;
  /** The part after the colon: signs TokenRequests and JWTs. */
  keySecret: Secret;
}

export interface AblyConfig {
  /** The real app's key; `undefined` means "start the embedded emulator". */
  key: AblyKey | undefined;
  /** What `GET /api/live` hands the browser. */
  tokenMode: TokenMode;
  /** Lifetime of each token, in milliseconds. */
  tokenTtlMs: number;
  /** An Ably-compatible service to use instead of Ably's own hosts. */
  endpoint: URL | undefined;
}

export type OAuthConfig =
  /** The embedded OpenID Connect provider (development, tests). */
  | { provider: "embedded" }
  | { provider: "github"; clientId: string; clientSecret: Secret }
  | {
    provider: "oidc";
    issuer: URL;
    clientId: string;
    clientSecret: Secret;
  };

export interface AppConfig {
  port: number;
  logLevel: LogLevel;
  /** KV file path or KV Connect URL; `undefined` opens the platform's default KV (Deno Deploy). */
  kvPath: string | undefined;
  sessionTtlSeconds: number;
  /** `/api/live` requests per session per minute, across all instances; 0 disables. */
  liveRateLimitPerMin: number;
  /** `GET /auth/signin` starts per client address per minute, across all instances; 0 disables. */
  signInRateLimitPerMin: number;
  /** `POST /api/notify-me` calls (each an Ably publish) per session per minute, across all instances; 0 disables. */
  notifyRateLimitPerMin: number;
  /** `POST /api/rooms/<id>/messages` sends per session per minute, across all instances; 0 disables. */
  messageRateLimitPerMin: number;
  /**
   * Invitations, removals and room deletions per user per minute, all
   * sessions and instances together (`MEMBER_CHANGE_RATE_LIMIT_PER_MIN`);
   * 0 disables. Each removal revokes Ably tokens.
   */
  memberChangeRateLimitPerMin: number;
  /**
   * Invitations of one login per minute, whoever invites
   * (`INVITE_TARGET_RATE_LIMIT_PER_MIN`); 0 disables. It bounds the
   * removals one person can suffer, since each needs an invitation first.
   */
  inviteTargetRateLimitPerMin: number;
  /**
   * Believe a TLS-terminating proxy's `Forwarded` / `X-Forwarded-*` headers
   * about scheme, host and client address (`TRUST_PROXY`,
   * `lib/http/request_origin.ts`). Off: those headers are ignored.
   */
  trustProxy: boolean;
  ably: AblyConfig;
  oauth: OAuthConfig;
  /** How every instance runs outbox jobs (`lib/outbox/runner.ts`). */
  outbox: {
    /** `OUTBOX_POLL_MS`: how often an instance looks for due jobs. */
    pollMs: number;
    /** `OUTBOX_LEASE_MS`: how long before a job held by a dead instance is taken over. */
    leaseMs: number;
  };
  /** Running on Deno Deploy (`DENO_DEPLOYMENT_ID` is set). */
  onDeploy: boolean;
}

/** A configuration value that cannot be used; `variable` names it. */
export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export const DEFAULTS = {
  port: 8000,
  logLevel: "info" as LogLevel,
  kvPath: "./.data/kv.sqlite3",
  sessionTtlSeconds: 7 * 24 * 60 * 60,
  liveRateLimitPerMin: 60,
  signInRateLimitPerMin: 30,
  notifyRateLimitPerMin: 10,
  messageRateLimitPerMin: 30,
  memberChangeRateLimitPerMin: 20,
  inviteTargetRateLimitPerMin: 5,
  tokenMode: "request" as TokenMode,
  tokenTtlMs: 60 * MINUTE_MS,
  outboxPollMs: 2_000,
  outboxLeaseMs: 15_000,
};

/**
 * Builds the configuration from an environment. Pure: tests pass a plain
 * object; `main.ts` passes `readEnvironment()`.
 *
 * @example
 * ```ts
 * const config = loadConfig({ ABLY_TOKEN_MODE: "jwt" });
 * config.ably.tokenMode; // "jwt"
 * ```
 */
export function loadConfig(env: Env): AppConfig {
  const onDeploy = Boolean(nonEmpty(env, "DENO_DEPLOYMENT_ID"));
  const config: AppConfig = {
    port: integer(env, "PORT", DEFAULTS.port, 0, 65_535),
    logLevel: oneOf(
      env,
      "LOG_LEVEL",
      ["debug", "info", "warning", "error"],
      DEFAULTS.logLevel,
    ),
    kvPath: nonEmpty(env, "DENO_KV_PATH") ??
      (onDeploy ? undefined : DEFAULTS.kvPath),
    sessionTtlSeconds: integer(
      env,
      "SESSION_TTL_SECONDS",
      DEFAULTS.sessionTtlSeconds,
      60,
      366 * 24 * 60 * 60,
    ),
    liveRateLimitPerMin: integer(
      env,
      "LIVE_RATE_LIMIT_PER_MIN",
      DEFAULTS.liveRateLimitPerMin,
      0,
      1_000_000,
    ),
    signInRateLimitPerMin: integer(
      env,
      "SIGNIN_RATE_LIMIT_PER_MIN",
      DEFAULTS.signInRateLimitPerMin,
      0,
      1_000_000,
    ),
    notifyRateLimitPerMin: integer(
      env,
      "NOTIFY_RATE_LIMIT_PER_MIN",
      DEFAULTS.notifyRateLimitPerMin,
      0,
      1_000_000,
    ),
    messageRateLimitPerMin: integer(
      env,
      "MESSAGE_RATE_LIMIT_PER_MIN",
      DEFAULTS.messageRateLimitPerMin,
      0,
      1_000_000,
    ),
    memberChangeRateLimitPerMin: integer(
      env,
      "MEMBER_CHANGE_RATE_LIMIT_PER_MIN",
      DEFAULTS.memberChangeRateLimitPerMin,
      0,
      1_000_000,
    ),
    inviteTargetRateLimitPerMin: integer(
      env,
      "INVITE_TARGET_RATE_LIMIT_PER_MIN",
      DEFAULTS.inviteTargetRateLimitPerMin,
      0,
      1_000_000,
    ),
    trustProxy: boolean(env, "TRUST_PROXY", false),
    ably: {
      key: ablyKey(env),
      tokenMode: oneOf(
        env,
        "ABLY_TOKEN_MODE",
        ["request", "token", "jwt"],
        DEFAULTS.tokenMode,
      ),
      // Seconds-long TTLs are allowed so that tests can watch a renewal; Ably
      // itself refuses more than 24 h.
      tokenTtlMs: integer(
        env,
        "ABLY_TOKEN_TTL_MS",
        DEFAULTS.tokenTtlMs,
        1_000,
        DAY_MS,
      ),
      endpoint: serviceUrl(env, "ABLY_ENDPOINT"),
    },
    oauth: oauthConfig(env),
    outbox: {
      pollMs: integer(
        env,
        "OUTBOX_POLL_MS",
        DEFAULTS.outboxPollMs,
        100,
        MINUTE_MS,
      ),
      // Above the longest Ably call (5 s), which gets two thirds of it.
      leaseMs: integer(
        env,
        "OUTBOX_LEASE_MS",
        DEFAULTS.outboxLeaseMs,
        2_000,
        5 * MINUTE_MS,
      ),
    },
    onDeploy,
  };
  if (config.ably.endpoint && !config.ably.key) {
    throw new ConfigError(
      "ABLY_API_KEY",
      "ABLY_ENDPOINT names a service apart, which needs that service's key",
    );
  }
  if (onDeploy) requireRealServices(config);
  return config;
}

/** The process environment, for `loadConfig`. The app's one `Deno.env` read. */
export function readEnvironment(): Env {
  return Deno.env.toObject();
}

/** Deno Deploy can run neither the emulator nor the embedded provider. */
function requireRealServices(config: AppConfig): void {
  const missing: string[] = [];
  if (!config.ably.key) missing.push("ABLY_API_KEY");
  if (config.oauth.provider === "embedded") {
    missing.push("OAUTH_PROVIDER (github or oidc) with its client settings");
  }
  if (missing.length) {
    throw new ConfigError(
      missing[0].split(" ")[0],
      `required on Deno Deploy, where the embedded emulator and provider cannot run; set ${
        missing.join(", ")
      }`,
    );
  }
}

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: string, why: string): string {
  const value = nonEmpty(env, name);
  if (!value) throw new ConfigError(name, `missing; ${why}`);
  return value;
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(
      name,
      `expected a number from ${min} to ${max}, got ${raw}`,
    );
  }
  return value;
}

/** `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`, any case. */
function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (["true", "1", "yes", "on"].includes(lower)) return true;
  if (["false", "0", "no", "off"].includes(lower)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(
      name,
      `expected one of ${allowed.join(", ")}, got "${raw}"`,
    );
  }
  return raw as T;
}

/** `appId.keyId:secret`; the message never repeats the value, which holds the secret. */
function ablyKey(env: Env): AblyKey | undefined {
  const raw = nonEmpty(env, "ABLY_API_KEY");
  if (raw === undefined) return undefined;
  const match = /^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+):([A-Za-z0-9_+/=-]{8,})$/
    .exec(raw);
  if (!match) {
    throw new ConfigError(
      "ABLY_API_KEY",
      "expected appId.keyId:secret as shown in Ably's dashboard",
    );
  }
  return { keyName: match[1], keySecret: new Secret(match[2]) };
}

/** An absolute http(s) URL; plain http only to this machine. */
function serviceUrl(env: Env, name: string): URL | undefined {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected an absolute URL, got "${raw}"`);
  }
  if (
    url.protocol !== "https:" &&
    !(url.protocol === "http:" && isLoopbackUrl(url))
  ) {
    throw new ConfigError(
      name,
      "expected https://, or http:// to 127.0.0.1/localhost",
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(name, "must not carry credentials");
  }
  return url;
}

function oauthConfig(env: Env): OAuthConfig {
  if (nonEmpty(env, "OAUTH_PROVIDER") === undefined) {
    return { provider: "embedded" };
  }
  const provider = oneOf(env, "OAUTH_PROVIDER", ["github", "oidc"], "oidc");
  if (provider === "github") {
    const why =
      "needed with OAUTH_PROVIDER=github (GitHub → Settings → Developer settings → OAuth Apps)";
    return {
      provider,
      clientId: required(env, "GITHUB_CLIENT_ID", why),
      clientSecret: new Secret(required(env, "GITHUB_CLIENT_SECRET", why)),
    };
  }
  const why = "needed with OAUTH_PROVIDER=oidc";
  required(env, "OIDC_ISSUER", why);
  return {
    provider,
    issuer: serviceUrl(env, "OIDC_ISSUER")!,
    clientId: required(env, "OIDC_CLIENT_ID", why),
    clientSecret: new Secret(required(env, "OIDC_CLIENT_SECRET", why)),
  };
}
