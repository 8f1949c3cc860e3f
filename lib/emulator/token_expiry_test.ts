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
  kind: "tokenRequest" | "tokenDetails" | "token" | "jwt",
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
      // A bare token string: ably-js cannot know when it expires.
      cb(null, kind === "token" && "token" in v ? v.token : v);
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

Deno.test("a token that cannot be renewed: DISCONNECTED 40142/401 at expiry, then FAILED 40171 (RSA4a2, RTN15h1)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const clients: Ably.Realtime[] = [];
  try {
    await Promise.all(
      (["token", "tokenDetails", "jwt"] as const).map(async (kind) => {
        const cred = await fixedCredential(emu, kind);
        const client = realtimeClient(emu, cred.options);
        clients.push(client);
        const seen: Array<
          { state: string; code?: number; status?: number; at: number }
        > = [];
        client.connection.on((change) =>
          seen.push({
            state: change.current,
            code: change.reason?.code,
            status: change.reason?.statusCode,
            at: Date.now(),
          })
        );
        await withTimeout(
          client.connection.whenState("connected"),
          5000,
          `${kind} connect`,
        );
        await withTimeout(
          client.connection.whenState("failed"),
          TTL_MS + 5000,
          `${kind} failed after expiry`,
        );
        const states = seen.map((s) => s.state).filter((s) =>
          s !== "connecting"
        );
        assert.deepEqual(states, ["connected", "disconnected", "failed"], kind);
        const cut = seen.find((s) => s.state === "disconnected")!;
        // Nothing ended the connection before the token ran out.
        assert.ok(
          cut.at >= cred.expires() - SLACK_MS,
          `${kind}: cut ${cred.expires() - cut.at} ms early`,
        );
        assert.deepEqual([cut.code, cut.status], [40142, 401], kind);
        // ably-js, asked to renew without authCallback/authUrl/key: 40171.
        assert.equal(seen.at(-1)?.code, 40171, kind);
      }),
    );
  } finally {
    for (const c of clients) await closeClient(c);
    await emu.close();
  }
});

Deno.test("a client that renews is disconnected with 40142/401 at expiry, renews and resumes with its channels (RSA4b1, RTN15h2)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const rest = restClient(emu);
  const clients: Ably.Realtime[] = [];
  try {
    await Promise.all(
      (["tokenRequest", "tokenDetails", "token", "jwt"] as const).map(
        async (kind) => {
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
          const reasons: Array<{ code?: number; status?: number; at: number }> =
            [];
          client.connection.on("disconnected", (change) =>
            reasons.push({
              code: change.reason?.code,
              status: change.reason?.statusCode,
              at: Date.now(),
            }));
          const connectionId = client.connection.id;
          const firstExpiry = cred.expires();
          await waitFor(
            () => reasons.length > 0 && client.connection.state === "connected",
            TTL_MS + 5000,
            `${kind} renewed after the cut`,
          );
          assert.deepEqual(
            reasons.map((r) => [r.code, r.status]),
            [[40142, 401]],
            kind,
          );
          assert.ok(reasons[0].at >= firstExpiry - SLACK_MS, `${kind}: early`);
          assert.ok(calls.count >= 2, `${kind}: renewed through the callback`);
          // RTN15c6: resumed, same connection, channels kept.
          assert.equal(client.connection.id, connectionId, kind);
          await waitFor(() => channel.state === "attached", 5000, "attached");
          await rest.channels.get(`expiry-${kind}`).publish("m", kind);
          await waitFor(() => got.length === 1, 5000, `${kind} message`);
          assert.deepEqual(got, [kind]);
        },
      ),
    );
  } finally {
    for (const c of clients) await closeClient(c);
    await emu.close();
  }
});

Deno.test("a token that outlives the renewal lead is renewed in place before it expires: AUTH, then an UPDATE, no disconnect (RTN22, RTC8a4)", async () => {
  const lead = 1500;
  const emu = await startEmulator({ keys: [KEY], tokenRenewalLeadMs: lead });
  const clients: Ably.Realtime[] = [];
  try {
    await Promise.all(
      (["tokenRequest", "jwt"] as const).map(async (kind) => {
        const calls = { count: 0 };
        const cred = renewingCredential(emu, kind, calls);
        const client = realtimeClient(emu, cred.options);
        clients.push(client);
        const channel = client.channels.get(`lead-${kind}`);
        await withTimeout(channel.attach(), 5000, `${kind} attach`);
        const changes: string[] = [];
        client.connection.on((c) =>
          changes.push(c.previous === c.current ? "update" : c.current)
        );
        const connectionId = client.connection.id;
        const firstExpiry = cred.expires();
        await waitFor(
          () => changes.includes("update"),
          TTL_MS + 3000,
          `${kind} update`,
        );
        const renewedAt = Date.now();
        assert.ok(renewedAt < firstExpiry, `${kind}: renewed before expiry`);
        assert.ok(
          renewedAt >= firstExpiry - lead - SLACK_MS,
          `${kind}: not before the lead`,
        );
        assert.deepEqual(changes, ["update"], kind);
        assert.equal(client.connection.id, connectionId, kind);
        assert.equal(channel.state, "attached", kind);
        assert.equal(calls.count, 2, kind);
      }),
    );
  } finally {
    for (const c of clients) await closeClient(c);
    await emu.close();
  }
});

Deno.test("an auth server that answers 403 is fatal: at connect, and when the renewal after expiry meets it (RSA4d)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const rest = restClient(emu);
  let refuse = false;
  // The app's own token route: a token while the user may, 403 after.
  const authServer = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    async () => {
      if (refuse) {
        return Response.json(
          { error: { message: "room lost", code: 40300, statusCode: 403 } },
          { status: 403 },
        );
      }
      const details = await rest.auth.requestToken({ ttl: 1500 });
      return Response.json(details);
    },
  );
  const authUrl = `http://127.0.0.1:${authServer.addr.port}/token`;
  const clients: Ably.Realtime[] = [];
  try {
    const seen: Array<{ state: string; code?: number; status?: number }> = [];
    const client = realtimeClient(emu, { authUrl });
    clients.push(client);
    client.connection.on((c) =>
      seen.push({
        state: c.current,
        code: c.reason?.code,
        status: c.reason?.statusCode,
      })
    );
    await withTimeout(client.connection.whenState("connected"), 5000, "up");
    refuse = true;
    await withTimeout(client.connection.whenState("failed"), 5000, "failed");
    assert.deepEqual(
      seen.filter((s) => s.state !== "connecting"),
      [
        { state: "connected", code: undefined, status: undefined },
        { state: "disconnected", code: 40142, status: 401 },
        { state: "failed", code: 80019, status: 403 },
      ],
    );
    const refused = realtimeClient(emu, { authUrl });
    clients.push(refused);
    const failed = await withTimeout(
      refused.connection.whenState("failed"),
      5000,
      "refused at connect",
    );
    assert.equal(failed?.reason?.statusCode, 403);
  } finally {
    for (const c of clients) await closeClient(c);
    await authServer.shutdown();
    await emu.close();
  }
});
