import assert from "node:assert/strict";
import * as Ably from "ably";
import { emulatorClientOptions } from "./client_options.ts";
import { startEmulator } from "./mod.ts";
import { restClient, signAblyJwt } from "./test_helpers.ts";

const KEY = "app.full:fullsecret";
const NARROW = 'app.narrow:narrowsecret={"room:*":["subscribe","publish"]}';

async function postTokenRequest(
  url: string,
  req: Record<string, unknown>,
): Promise<
  { status: number; body: Record<string, unknown>; headers: Headers }
> {
  const res = await fetch(
    `${url}/keys/${encodeURIComponent(String(req.keyName))}/requestToken`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(req),
    },
  );
  return { status: res.status, body: await res.json(), headers: res.headers };
}

function errorCode(r: { body: Record<string, unknown> }): number {
  return (r.body.error as { code: number }).code;
}

Deno.test("TokenRequest from createTokenRequest is accepted; tampered ones are refused", async () => {
  const emu = await startEmulator({ keys: [KEY, NARROW] });
  try {
    const rest = restClient(emu);
    const good = await rest.auth.createTokenRequest({
      clientId: "alice",
      ttl: 60_000,
    });
    const ok = await postTokenRequest(emu.url, { ...good });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.clientId, "alice");
    assert.equal(ok.body.keyName, "app.full");
    assert.equal(typeof ok.body.token, "string");
    assert.equal(
      (ok.body.expires as number) - (ok.body.issued as number),
      60_000,
    );

    // RSA9c: the same nonce again.
    const replay = await postTokenRequest(emu.url, { ...good });
    assert.equal(replay.status, 401);
    assert.equal(errorCode(replay), 40105);

    // RSA9g: one byte of the MAC flipped.
    const fresh = await rest.auth.createTokenRequest({ clientId: "alice" });
    const mac = Buffer.from(fresh.mac, "base64");
    mac[0] ^= 1;
    const flipped = await postTokenRequest(emu.url, {
      ...fresh,
      mac: mac.toString("base64"),
    });
    assert.equal(flipped.status, 401);
    assert.equal(errorCode(flipped), 40101);
    assert.equal(flipped.headers.get("content-type"), "application/json");
    assert.equal(flipped.headers.get("x-ably-errorcode"), "40101");

    // RSA9d: signed correctly but 5 minutes old.
    const old = await rest.auth.createTokenRequest({
      timestamp: Date.now() - 5 * 60_000,
    });
    const stale = await postTokenRequest(emu.url, { ...old });
    assert.equal(errorCode(stale), 40104);

    // TK2a: ttl over 24 h.
    const long = await rest.auth.createTokenRequest({ ttl: 25 * 3600_000 });
    const tooLong = await postTokenRequest(emu.url, { ...long });
    assert.equal(tooLong.status, 400);
    assert.equal(errorCode(tooLong), 40003);

    // RSA6: capability wider than the narrow key's.
    const narrow = restClient(emu, "app.narrow:narrowsecret");
    const wide = await narrow.auth.createTokenRequest({
      capability: { "secret": ["subscribe"] },
    });
    const denied = await postTokenRequest(emu.url, { ...wide });
    assert.equal(errorCode(denied), 40160);
    const within = await narrow.auth.createTokenRequest({
      capability: { "room:a": ["*"] },
    });
    const granted = await postTokenRequest(emu.url, { ...within });
    assert.equal(granted.body.capability, '{"room:a":["publish","subscribe"]}');
  } finally {
    await emu.close();
  }
});

Deno.test("basic key auth issues tokens; a wrong secret is refused", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  try {
    const rest = restClient(emu);
    const details = await rest.auth.requestToken({ clientId: "bob" });
    assert.equal(details.clientId, "bob");
    const wrong = restClient(emu, "app.full:nope");
    await assert.rejects(
      () => wrong.auth.requestToken({}),
      (err: Ably.ErrorInfo) => err.code === 40101 && err.statusCode === 401,
    );
  } finally {
    await emu.close();
  }
});

Deno.test("JWTs: valid accepted on REST, bad signature 40144, expired 40142", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  try {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iat: now,
      exp: now + 60,
      "x-ably-capability": '{"*":["*"]}',
      "x-ably-clientId": "carol",
    };
    const jwt = signAblyJwt(KEY, claims);
    const call = (token: string) =>
      fetch(`${emu.url}/channels/room/messages`, {
        headers: { authorization: `Bearer ${btoa(token)}` },
      });
    const ok = await call(jwt);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const bad = await call(signAblyJwt("app.full:other", claims));
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).error.code, 40144);
    const expired = await call(
      signAblyJwt(KEY, { ...claims, iat: now - 120, exp: now - 60 }),
    );
    assert.equal((await expired.json()).error.code, 40142);
    // A JWT wrapping an Ably token takes that token's rights and identity.
    const inner = await restClient(emu).auth.requestToken({ clientId: "dave" });
    const wrapped = await call(
      signAblyJwt(KEY, {
        iat: now,
        exp: now + 60,
        "x-ably-token": inner.token,
      }),
    );
    assert.equal(wrapped.status, 200);
    await wrapped.body?.cancel();
    const garbage = await call("a.b.c");
    assert.equal((await garbage.json()).error.code, 40144);
    const unknown = await call("opaque-but-unknown");
    assert.equal((await unknown.json()).error.code, 40143);
  } finally {
    await emu.close();
  }
});

Deno.test("a capability mixing '*' with named operations is refused with 400 (TK2b, RSA6)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const rest = restClient(emu);
  try {
    // The SDK's types already forbid these; ably-js's suite sends them as
    // JSON strings a server must refuse.
    for (const capability of ['{"channel0":["*","publish"]}', '{"c":[]}']) {
      await assert.rejects(
        () => rest.auth.requestToken({ capability }),
        (err: Ably.ErrorInfo) => err.statusCode === 400,
      );
    }
    const ok = await rest.auth.requestToken({ capability: { c: ["*"] } });
    assert.equal(ok.capability, '{"c":["*"]}');
  } finally {
    await emu.close();
  }
});

Deno.test("a JWT for an app the emulator does not have is refused with 40400/404, with a token or an authCallback (RSA8g, RSA4f)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const now = Math.floor(Date.now() / 1000);
  const jwt = signAblyJwt("invalid.invalid:invalidinvalid", {
    iat: now,
    exp: now + 60,
    "x-ably-capability": '{"*":["*"]}',
  });
  const options = { ...emulatorClientOptions(emu.url), logLevel: 0 };
  let calls = 0;
  const clients = [
    new Ably.Rest({ ...options, token: jwt }),
    new Ably.Rest({
      ...options,
      authCallback: (_p, cb) => {
        calls++;
        cb(null, jwt);
      },
    }),
  ];
  try {
    for (const client of clients) {
      await assert.rejects(
        () => client.stats(),
        (err: Ably.ErrorInfo) => err.code === 40400 && err.statusCode === 404,
      );
    }
    // Not a token error: the SDK does not go round renewing.
    assert.equal(calls, 1);
  } finally {
    await emu.close();
  }
});
