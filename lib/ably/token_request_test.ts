import assert from "node:assert/strict";
import * as Ably from "ably";
import { Secret } from "../platform/secret.ts";
import { canonicalCapability, pageCapability } from "./capability.ts";
import { createTokenRequestSigner, randomNonce } from "./token_request.ts";

const key = {
  keyName: "appId.keyId",
  keySecret: new Secret("s3cr3t-Key_value"),
};
const USERS = ["github:42", "oidc:ünï:cödé", "oidc:a:b:c", "github:😀"];

/** The spec's MAC (RSA9g), computed here without the code under test. */
async function expectedMac(fields: {
  keyName: string;
  ttl: number;
  capability: string;
  clientId: string;
  timestamp: number;
  nonce: string;
}): Promise<string> {
  const text = [
    fields.keyName,
    fields.ttl,
    fields.capability,
    fields.clientId,
    fields.timestamp,
    fields.nonce,
  ].map((field) => `${field}\n`).join("");
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("s3cr3t-Key_value"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    hmacKey,
    new TextEncoder().encode(text),
  );
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

Deno.test("TokenRequest MAC matches HMAC-SHA256 over the spec's fields", async () => {
  const signer = createTokenRequestSigner(key);
  for (const clientId of USERS) {
    const capability = canonicalCapability(pageCapability(clientId, "lobby"));
    const request = signer.sign({ clientId, capability, ttl: 60_000 });
    assert.equal(request.keyName, "appId.keyId");
    assert.equal(request.clientId, clientId);
    assert.equal(request.capability, capability);
    assert.equal(request.ttl, 60_000);
    assert.match(request.nonce, /^\d{16}$/);
    assert.ok(Math.abs(request.timestamp - Date.now()) < 5_000);
    assert.equal(request.mac, await expectedMac(request));
  }
});

Deno.test("TokenRequest is byte-identical to the SDK's createTokenRequest", async () => {
  const signer = createTokenRequestSigner(key);
  const rest = new Ably.Rest({ key: "appId.keyId:s3cr3t-Key_value" });
  let timestamp = 1_790_000_000_000;
  for (const clientId of USERS) {
    const params = {
      clientId,
      capability: canonicalCapability(pageCapability(clientId, "lobby")),
      ttl: 3_600_000,
      timestamp: timestamp++,
      nonce: randomNonce(),
    };
    const ours = signer.sign(params);
    // The SDK canonicalises the capability object itself (c14n).
    const sdk = await rest.auth.createTokenRequest({
      clientId,
      capability: JSON.parse(params.capability),
      ttl: params.ttl,
      timestamp: params.timestamp,
      nonce: params.nonce,
    });
    assert.equal(JSON.stringify(ours), JSON.stringify(sdk));
  }
});

Deno.test("nonces are 16 digits and do not repeat", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5_000; i++) {
    const nonce = randomNonce();
    assert.match(nonce, /^\d{16}$/);
    seen.add(nonce);
  }
  assert.equal(seen.size, 5_000);
});
