import assert from "node:assert/strict";
import type * as Ably from "ably";
import { type Emulator, startEmulator } from "./mod.ts";
import {
  closeClient,
  realtimeClient,
  restClient,
  signAblyJwt,
  waitFor,
  withTimeout,
} from "./test_helpers.ts";

const KEY = "app.full:fullsecret";
/** Short enough to keep the test quick, long enough to see it stay up. */
const TTL_MS = 2500;
/** Timer slack allowed around the expiry instant. */
const SLACK_MS = 150;

type Credential = { options: Ably.ClientOptions; expires: () => number };

function jwtFor(clientId: string, ttlMs: number): string {
  const now = Date.now();
  return signAblyJwt(KEY, {
    iat: Math.floor(now / 1000),
    // JWT expiry is in whole seconds: round up so the life is at least ttl.
    exp: Math.ceil((now + ttlMs) / 1000),
    "x-ably-capability": '{"*":["*"]}',
    "x-ably-clientId": clientId,
  });
}

function jwtExpiry(jwt: string): number {
  const claims = JSON.parse(atob(
    jwt.split(".")[1].replaceAll("-", "+").replaceAll("_", "/"),
  ));
  return claims.exp * 1000;
}

/** Clients that cannot renew: a token string, TokenDetails, a JWT. */
async function fixedCredential(
  emu: Emulator,
  kind: "token" | "tokenDetails" | "jwt",
): Promise<Credential> {
  if (kind === "jwt") {
    const jwt = jwtFor(`fixed-${kind}`, TTL_MS);
    return { options: { token: jwt }, expires: () => jwtExpiry(jwt) };
  }
  const details = await restClient(emu).auth.requestToken({
    clientId: `fixed-${kind}`,
    ttl: TTL_MS,
  });
  return {
    options: kind === "token"
      ? { token: details.token }
      : { tokenDetails: details },
    expires: () => details.expires,
  };
}

/** Clients that renew through an authCallback returning each form. */
function renewingCredential(
  emu: Emulator,
  kind: "tokenRequest" | "tokenDetails" | "jwt",
  calls: { count: number },
): Credential {
  const rest = restClient(emu);
  const clientId = `renew-${kind}`;
  let expires = 0;
  const authCallback: Ably.ClientOptions["authCallback"] = (_p, cb) => {
    calls.count++;
    if (kind === "jwt") {
      const jwt = jwtFor(clientId, TTL_MS);
      expires = jwtExpiry(jwt);
      cb(null, jwt);
      return;
    }
    const issued = Date.now();
    const done = (v: Ably.TokenRequest | Ably.TokenDetails) => {
      expires = "expires" in v ? v.expires : issued + TTL_MS;
      cb(null, v);
    };
    (kind === "tokenRequest"
      ? rest.auth.createTokenRequest({ clientId, ttl: TTL_MS })
      : rest.auth.requestToken({ clientId, ttl: TTL_MS })).then(
        done,
        (err) => cb(err, null),
      );
  };
  return { options: { authCallback }, expires: () => expires };
}

Deno.test("a token that cannot be renewed keeps its connection until expiry, then DISCONNECTED 40142 and FAILED (RTN15h1)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const clients: Ably.Realtime[] = [];
  try {
    await Promise.all(
      (["token", "tokenDetails", "jwt"] as const).map(async (kind) => {
        const cred = await fixedCredential(emu, kind);
        const client = realtimeClient(emu, cred.options);
        clients.push(client);
        const seen: Array<{ state: string; code?: number; at: number }> = [];
        client.connection.on((change) =>
          seen.push({
            state: change.current,
            code: change.reason?.code,
            at: Date.now(),
          })
        );
        await withTimeout(
          client.connection.whenState("connected"),
          5000,
          `${kind} connect`,
        );
        const failed = await withTimeout(
          client.connection.whenState("failed"),
          TTL_MS + 5000,
          `${kind} failed after expiry`,
        );
        const disconnected = seen.find((s) => s.state === "disconnected");
        assert.ok(disconnected, `${kind}: disconnected before failing`);
        // Nothing ended the connection before the token ran out.
        assert.ok(
          disconnected.at >= cred.expires() - SLACK_MS,
          `${kind}: disconnected ${cred.expires() - disconnected.at} ms early`,
        );
        assert.equal(disconnected.code, 40142, kind);
        assert.deepEqual(
          seen.map((s) => s.state).filter((s) => s !== "connecting"),
          ["connected", "disconnected", "failed"],
          kind,
        );
        // ably-js cannot renew without authCallback/authUrl/key: 40171.
        assert.equal(failed?.reason?.code, 40171, kind);
      }),
    );
  } finally {
    for (const c of clients) await closeClient(c);
    await emu.close();
  }
});

Deno.test("a client that renews is disconnected at expiry with 40142/401, renews and resumes with its channels (RTN15h2)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const rest = restClient(emu);
  const clients: Ably.Realtime[] = [];
  try {
    await Promise.all(
      (["tokenRequest", "tokenDetails", "jwt"] as const).map(async (kind) => {
        const calls = { count: 0 };
        const cred = renewingCredential(emu, kind, calls);
        const client = realtimeClient(emu, cred.options);
        clients.push(client);
        const reasons: Array<{ code?: number; status?: number; at: number }> =
          [];
        client.connection.on("disconnected", (change) =>
          reasons.push({
            code: change.reason?.code,
            status: change.reason?.statusCode,
            at: Date.now(),
          }));
        client.connection.on("failed", () => reasons.push({ at: -1 }));
        const channel = client.channels.get(`expiry-${kind}`);
        const got: unknown[] = [];
        await withTimeout(
          channel.subscribe((m) => got.push(m.data)),
          5000,
          `${kind} attach`,
        );
        const connectionId = client.connection.id;
        const firstExpiry = cred.expires();
        await waitFor(
          () => calls.count >= 2 && client.connection.state === "connected",
          TTL_MS + 5000,
          `${kind} renewal`,
        );
        assert.equal(reasons.length, 1, `${kind}: one disconnect`);
        assert.equal(reasons[0].code, 40142, kind);
        assert.equal(reasons[0].status, 401, kind);
        assert.ok(reasons[0].at >= firstExpiry - SLACK_MS, kind);
        // RTN15c6: the same connection, channels kept.
        assert.equal(client.connection.id, connectionId, kind);
        await waitFor(() => channel.state === "attached", 5000, "attached");
        await rest.channels.get(`expiry-${kind}`).publish("m", kind);
        await waitFor(() => got.length === 1, 5000, `${kind} message`);
        assert.deepEqual(got, [kind]);
      }),
    );
  } finally {
    for (const c of clients) await closeClient(c);
    await emu.close();
  }
});
