import assert from "node:assert/strict";
import * as Ably from "ably";
import { AblyError } from "../core/mod.ts";
import { KeyRing, parseKey } from "./keys.ts";
import {
  NonceCache,
  TIMESTAMP_WINDOW_MS,
  verifyTokenRequest,
} from "./token_request.ts";

const KEY = "app.full:fullsecret";

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof AblyError) return err.code;
    throw err;
  }
}

Deno.test("a TokenRequest replayed at the last accepted millisecond of its window is refused (RSA9c, RSA9d)", async () => {
  const rest = new Ably.Rest({ key: KEY, logLevel: 0 });
  const req = await rest.auth.createTokenRequest({ clientId: "ann" });
  const keys = new KeyRing([parseKey(KEY)]);
  const nonces = new NonceCache(100);
  const body = { ...req };
  // First use, at the instant it was signed.
  verifyTokenRequest(body, req.keyName, keys, nonces, req.timestamp!);
  const edge = req.timestamp! + TIMESTAMP_WINDOW_MS;
  // At exactly timestamp + window the timestamp still passes, so the nonce
  // must still be remembered.
  assert.equal(
    codeOf(() => verifyTokenRequest(body, req.keyName, keys, nonces, edge)),
    40105,
  );
  // One millisecond later the timestamp itself is stale.
  assert.equal(
    codeOf(() => verifyTokenRequest(body, req.keyName, keys, nonces, edge + 1)),
    40104,
  );
  // A request never used before is still accepted at the edge.
  const other = await rest.auth.createTokenRequest({
    clientId: "ann",
    timestamp: req.timestamp,
  });
  assert.equal(
    codeOf(() =>
      verifyTokenRequest({ ...other }, other.keyName, keys, nonces, edge)
    ),
    undefined,
  );
});
