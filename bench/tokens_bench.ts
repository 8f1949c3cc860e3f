/**
 * The token route's signing cost, per token mode (`lib/ably/`): the `ably`
 * SDK's `createTokenRequest` against the fast path that `request` mode uses
 * (`token_request.ts`, synchronous HMAC from `node:crypto`), the same
 * request signed with WebCrypto (the design the fast path replaced), and JWT
 * signing for `jwt` mode. `token` mode is a network round trip, measured by
 * HTTP load instead.
 *
 * Times are per call, one call at a time. WebCrypto's cost is mostly the
 * hand-off to its worker thread, which overlaps under load; compare the
 * route's throughput with wrk for the whole picture.
 *
 * Run: `deno bench -A bench/tokens_bench.ts`.
 */
import * as Ably from "ably";
import { Secret } from "../lib/platform/secret.ts";
import {
  canonicalCapability,
  createTokenService,
  pageCapability,
} from "../lib/ably/mod.ts";
import { createJwtSigner } from "../lib/ably/jwt.ts";
import {
  createTokenRequestSigner,
  randomNonce,
} from "../lib/ably/token_request.ts";

const SECRET = "bench-secret-0123456789abcdef";
const key = { keyName: "appId.keyId", keySecret: new Secret(SECRET) };
const user = { id: "github:1234567" };
const ttl = 3_600_000;

const rest = new Ably.Rest({ key: `appId.keyId:${SECRET}` });
const signer = createTokenRequestSigner(key);
const jwtSigner = createJwtSigner(key);
const service = createTokenService({ key, mode: "request", ttlMs: ttl });
const granted = pageCapability(user.id, "lobby");
const capability = canonicalCapability(granted);
const webCryptoKey = await crypto.subtle.importKey(
  "raw",
  new TextEncoder().encode(SECRET),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign"],
);

/** What a naive route does: the policy object, canonicalised by the SDK each time. */
const sdk = async () => {
  await rest.auth.createTokenRequest({
    clientId: user.id,
    capability: granted as Ably.TokenParams["capability"],
    ttl,
  });
};
const fast = () => {
  signer.sign({ clientId: user.id, capability, ttl });
};
const issue = async () => {
  await service.issue(user, granted);
};
const webCrypto = async () => {
  const timestamp = Date.now();
  const nonce = randomNonce();
  const text = `${key.keyName}\n${ttl}\n${capability}\n${user.id}\n` +
    `${timestamp}\n${nonce}\n`;
  const mac = await crypto.subtle.sign(
    "HMAC",
    webCryptoKey,
    new TextEncoder().encode(text),
  );
  return {
    keyName: key.keyName,
    clientId: user.id,
    capability,
    ttl,
    timestamp,
    nonce,
    mac: new Uint8Array(mac).toBase64(),
  };
};
const jwt = () => {
  jwtSigner.sign({ clientId: user.id, capability, ttlMs: ttl });
};

Deno.bench("SDK createTokenRequest", { baseline: true }, sdk);
Deno.bench("fast path TokenRequest", fast);
Deno.bench("service.issue (request)", issue);
Deno.bench("WebCrypto TokenRequest", async () => {
  await webCrypto();
});
Deno.bench("JWT", jwt);
