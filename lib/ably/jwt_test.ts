import assert from "node:assert/strict";
import { Secret } from "../platform/secret.ts";
import { canonicalCapability, pageCapability } from "./capability.ts";
import { createJwtSigner } from "./jwt.ts";

const key = { keyName: "appId.keyId", keySecret: new Secret("jwt-secret-123") };

function decodePart(part: string): unknown {
  const bytes = Uint8Array.fromBase64(part, { alphabet: "base64url" });
  return JSON.parse(new TextDecoder().decode(bytes));
}

Deno.test("JWT header, claims and HS256 signature check out independently", async () => {
  const signer = createJwtSigner(key);
  const clientId = "oidc:ünï:x";
  const capability = canonicalCapability(pageCapability(clientId, "lobby"));
  const now = 1_790_000_000_123;
  const jwt = signer.sign({ clientId, capability, ttlMs: 90_000, now });
  const [header, payload, signature] = jwt.split(".");
  assert.ok(!/[=+/]/.test(jwt), "base64url without padding");
  assert.deepEqual(decodePart(header), {
    typ: "JWT",
    alg: "HS256",
    kid: "appId.keyId",
  });
  assert.deepEqual(decodePart(payload), {
    iat: 1_790_000_000,
    exp: 1_790_000_090,
    "x-ably-capability": capability,
    "x-ably-clientId": clientId,
  });
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("jwt-secret-123"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  assert.ok(
    await crypto.subtle.verify(
      "HMAC",
      hmacKey,
      Uint8Array.fromBase64(signature, { alphabet: "base64url" }),
      new TextEncoder().encode(`${header}.${payload}`),
    ),
  );
});

Deno.test("JWT iat is the current time and exp = iat + ttl", () => {
  const signer = createJwtSigner(key);
  const before = Math.floor(Date.now() / 1000);
  const jwt = signer.sign({
    clientId: "github:1",
    capability: "{}",
    ttlMs: 3_600_000,
  });
  const claims = decodePart(jwt.split(".")[1]) as { iat: number; exp: number };
  assert.ok(claims.iat >= before && claims.iat <= before + 1);
  assert.equal(claims.exp, claims.iat + 3_600);
});
