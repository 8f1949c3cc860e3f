import assert from "node:assert/strict";
import { ConfigError, DEFAULTS, loadConfig } from "./config.ts";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(
      error instanceof ConfigError,
      `expected a ConfigError, got ${error}`,
    );
    return error;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

Deno.test("an empty environment runs everything on embedded defaults", () => {
  const config = loadConfig({});
  assert.equal(config.port, 8000);
  assert.equal(config.kvPath, DEFAULTS.kvPath);
  assert.equal(config.ably.key, undefined);
  assert.equal(config.ably.tokenMode, "request");
  assert.equal(config.ably.tokenTtlMs, 3_600_000);
  assert.deepEqual(config.oauth, { provider: "embedded" });
  assert.equal(config.sessionTtlSeconds, 7 * 24 * 3600);
  assert.equal(config.liveRateLimitPerMin, 60);
  assert.equal(config.signInRateLimitPerMin, 30);
  assert.equal(config.onDeploy, false);
});

Deno.test("a real Ably key is split into its public name and a secret that never prints", () => {
  const config = loadConfig({ ABLY_API_KEY: "appid.keyid:s3cretS3cret+/=" });
  assert.equal(config.ably.key?.keyName, "appid.keyid");
  assert.equal(config.ably.key?.keySecret.reveal(), "s3cretS3cret+/=");
  const printed = [
    JSON.stringify(config),
    String(config.ably.key?.keySecret),
    Deno.inspect(config, { depth: 10 }),
  ].join("\n");
  assert.ok(!printed.includes("s3cret"), printed);
});

Deno.test("each bad value is refused with the variable's name, and a key's secret is not echoed", () => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ ABLY_TOKEN_MODE: "cookie" }, "ABLY_TOKEN_MODE"],
    [{ ABLY_TOKEN_TTL_MS: "999" }, "ABLY_TOKEN_TTL_MS"],
    [{ ABLY_TOKEN_TTL_MS: String(25 * 3600_000) }, "ABLY_TOKEN_TTL_MS"],
    [{ ABLY_TOKEN_TTL_MS: "-5" }, "ABLY_TOKEN_TTL_MS"],
    [{ ABLY_API_KEY: "no-colon-supersecret" }, "ABLY_API_KEY"],
    [{ ABLY_ENDPOINT: "ftp://example.com" }, "ABLY_ENDPOINT"],
    [{ ABLY_ENDPOINT: "http://example.com" }, "ABLY_ENDPOINT"],
    [{ OAUTH_PROVIDER: "myspace" }, "OAUTH_PROVIDER"],
    [
      { OAUTH_PROVIDER: "github", GITHUB_CLIENT_ID: "x" },
      "GITHUB_CLIENT_SECRET",
    ],
    [
      { OAUTH_PROVIDER: "oidc", OIDC_CLIENT_ID: "x", OIDC_CLIENT_SECRET: "y" },
      "OIDC_ISSUER",
    ],
    [{ SESSION_TTL_SECONDS: "1.5" }, "SESSION_TTL_SECONDS"],
    [{ LIVE_RATE_LIMIT_PER_MIN: "lots" }, "LIVE_RATE_LIMIT_PER_MIN"],
    [{ SIGNIN_RATE_LIMIT_PER_MIN: "-1" }, "SIGNIN_RATE_LIMIT_PER_MIN"],
    [{ SIGNIN_RATE_LIMIT_PER_MIN: "2.5" }, "SIGNIN_RATE_LIMIT_PER_MIN"],
    [{ SIGNIN_RATE_LIMIT_PER_MIN: "1000001" }, "SIGNIN_RATE_LIMIT_PER_MIN"],
  ];
  for (const [env, variable] of cases) {
    const error = configError(env);
    assert.equal(error.variable, variable, JSON.stringify(env));
    assert.ok(error.message.startsWith(`${variable}:`), error.message);
    assert.ok(!error.message.includes("supersecret"), error.message);
  }
});

Deno.test("on Deno Deploy the app refuses to start without a real Ably key and provider", () => {
  const error = configError({ DENO_DEPLOYMENT_ID: "abc123" });
  assert.match(error.message, /ABLY_API_KEY/);
  assert.match(error.message, /OAUTH_PROVIDER/);
  const config = loadConfig({
    DENO_DEPLOYMENT_ID: "abc123",
    ABLY_API_KEY: "app.key:0123456789abcdef",
    OAUTH_PROVIDER: "oidc",
    OIDC_ISSUER: "https://id.example.com",
    OIDC_CLIENT_ID: "live",
    OIDC_CLIENT_SECRET: "shh-its-a-secret",
  });
  assert.equal(
    config.kvPath,
    undefined,
    "Deploy opens its managed KV, not a file",
  );
  assert.equal(config.oauth.provider, "oidc");
});

Deno.test("SIGNIN_RATE_LIMIT_PER_MIN takes a whole number, 0 turning the limit off", () => {
  assert.equal(
    loadConfig({ SIGNIN_RATE_LIMIT_PER_MIN: "5" }).signInRateLimitPerMin,
    5,
  );
  assert.equal(
    loadConfig({ SIGNIN_RATE_LIMIT_PER_MIN: "0" }).signInRateLimitPerMin,
    0,
  );
  assert.equal(
    loadConfig({ SIGNIN_RATE_LIMIT_PER_MIN: " " }).signInRateLimitPerMin,
    DEFAULTS.signInRateLimitPerMin,
  );
});

Deno.test("the outbox's poll and lease come from OUTBOX_POLL_MS and OUTBOX_LEASE_MS, within their bounds", () => {
  assert.deepEqual(loadConfig({}).outbox, { pollMs: 2_000, leaseMs: 15_000 });
  assert.deepEqual(
    loadConfig({ OUTBOX_POLL_MS: "250", OUTBOX_LEASE_MS: "3000" }).outbox,
    { pollMs: 250, leaseMs: 3_000 },
  );
  // A poll of a few ms would turn idle instances into a KV load; a lease
  // shorter than an Ably call would hand a running job to a second instance.
  assert.equal(
    configError({ OUTBOX_POLL_MS: "10" }).variable,
    "OUTBOX_POLL_MS",
  );
  assert.equal(
    configError({ OUTBOX_LEASE_MS: "500" }).variable,
    "OUTBOX_LEASE_MS",
  );
  assert.equal(
    configError({ OUTBOX_LEASE_MS: "soon" }).variable,
    "OUTBOX_LEASE_MS",
  );
});
