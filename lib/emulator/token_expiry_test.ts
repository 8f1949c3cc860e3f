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

Deno.test("a token that cannot be renewed keeps its connection until it expires, then fails as ably-js does (RTN15h1)", async () => {
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
        const ended = seen.find((s) =>
          s.state !== "connected" &&
          s.state !== "connecting"
        );
        assert.ok(ended, kind);
        // Nothing ended the connection before the token ran out.
        assert.ok(
          ended.at >= cred.expires() - SLACK_MS,
          `${kind}: ended ${cred.expires() - ended.at} ms early`,
        );
        assert.deepEqual(
          seen.map((s) => s.state).filter((s) => s !== "connecting"),
          ["connected", "failed"],
          kind,
        );
        // ably-js, asked to renew without authCallback/authUrl/key: 40171.
        assert.equal(failed?.reason?.code, 40171, kind);
      }),
    );
  } finally {
    for (const c of clients) await closeClient(c);
    await emu.close();
  }
});

Deno.test("a client that renews does so in place at expiry: same connection, channels attached, no state change (RTN22)", async () => {
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
        const channel = client.channels.get(`expiry-${kind}`);
        const got: unknown[] = [];
        await withTimeout(
          channel.subscribe((m) => got.push(m.data)),
          5000,
          `${kind} attach`,
        );
        const changes: string[] = [];
        // An UPDATE (RTN24) keeps the state: previous equals current.
        const kindOf = (c: { previous: string; current: string }) =>
          c.previous === c.current ? "update" : c.current;
        client.connection.on((change) => changes.push(kindOf(change)));
        const channelChanges: string[] = [];
        channel.on((change) => channelChanges.push(kindOf(change)));
        const connectionId = client.connection.id;
        const firstExpiry = cred.expires();
        await waitFor(() => calls.count >= 2, TTL_MS + 5000, `${kind} renew`);
        const renewedAt = Date.now();
        assert.ok(renewedAt >= firstExpiry - SLACK_MS, `${kind}: not early`);
        await waitFor(
          () => cred.expires() > firstExpiry && changes.includes("update"),
          5000,
          `${kind} new token in use`,
        );
        // RTN24: the renewal is an UPDATE, the connection never left.
        assert.deepEqual(changes.filter((s) => s !== "update"), [], kind);
        assert.equal(client.connection.id, connectionId, kind);
        assert.deepEqual(
          channelChanges.filter((s) => s !== "update" && s !== "attached"),
          [],
          kind,
        );
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

Deno.test("a client whose renewal at expiry does not work is disconnected with 40142/401, renews and resumes with its channels (RTN15h2)", async () => {
  const emu = await startEmulator({ keys: [KEY], renewalGraceMs: 200 });
  const rest = restClient(emu);
  let calls = 0;
  let last: Ably.TokenDetails | undefined;
  // The renewal asked for at expiry hands back the spent token, so the
  // grace runs out; the call after the disconnect gets a fresh one.
  const client = realtimeClient(emu, {
    authCallback: (_p, cb) => {
      calls++;
      (calls === 2 && last
        ? Promise.resolve(last)
        : rest.auth.requestToken({ clientId: "ida", ttl: 1500 })).then(
          (d) => {
            last = d;
            cb(null, d);
          },
          (e) => cb(e, null),
        );
    },
  });
  try {
    const reasons: Array<{ code?: number; status?: number }> = [];
    client.connection.on("disconnected", (change) =>
      reasons.push({
        code: change.reason?.code,
        status: change.reason?.statusCode,
      }));
    const channel = client.channels.get("grace");
    const got: unknown[] = [];
    await channel.subscribe((m) => got.push(m.data));
    const connectionId = client.connection.id;
    await waitFor(
      () => calls >= 3 && client.connection.state === "connected",
      8000,
      "re-auth after the cut",
    );
    assert.deepEqual(reasons, [{ code: 40142, status: 401 }]);
    // RTN15c6: resumed, channels kept.
    assert.equal(client.connection.id, connectionId);
    await waitFor(() => channel.state === "attached", 5000, "attached");
    await rest.channels.get("grace").publish("x", "after");
    await waitFor(() => got.length === 1, 5000, "message after resume");
  } finally {
    await closeClient(client);
    await emu.close();
  }
});
