import assert from "node:assert/strict";
import { Revocations } from "./revocations.ts";
import { MAX_TTL_MS } from "./token_request.ts";
import type { Grant } from "./tokens.ts";

function grant(issued: number, extra: Partial<Grant> = {}): Grant {
  return {
    keyName: "app.k",
    capability: { "room:*": ["subscribe"] },
    clientId: "ann",
    issued,
    expires: issued + MAX_TTL_MS,
    kind: "token",
    revocable: true,
    ...extra,
  };
}

Deno.test("a revocation matches tokens issued before it, of its key and target, while they can live", () => {
  const revocations = new Revocations({ maxPerKey: 100, reauthMarginMs: 0 });
  const t = 10_000_000;
  const res = revocations.revoke("app.k", {
    targets: ["clientId:ann", "channel:room:1"],
  }, t);
  assert.equal(res.length, 2);
  assert.equal(revocations.isRevoked(grant(t - 1), t), true);
  assert.equal(revocations.isRevoked(grant(t), t), false, "issued at: kept");
  assert.equal(
    revocations.isRevoked(grant(t - 1, { keyName: "app.other" }), t),
    false,
  );
  assert.equal(
    revocations.isRevoked(grant(t - 1, { revocable: false }), t),
    false,
    "a key without revocable tokens issued it",
  );
  // channel: matches a token whose capability reaches the channel.
  assert.equal(
    revocations.isRevoked(grant(t - 1, { clientId: "bob" }), t),
    true,
  );
  assert.equal(
    revocations.isRevoked(
      grant(t - 1, { clientId: "bob", capability: { "lobby": ["*"] } }),
      t,
    ),
    false,
  );
  // A TokenRequest signed before, exchanged after.
  assert.equal(
    revocations.isRevoked(grant(t + 5, { authorisedAt: t - 5 }), t + 5),
    true,
  );
  // No token issued before the revocation outlives 24 h: it is forgotten.
  revocations.isRevoked(grant(t - 1), t + MAX_TTL_MS);
  assert.equal(revocations.size("app.k"), 0);
  revocations.close();
});
