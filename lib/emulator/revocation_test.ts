import assert from "node:assert/strict";
import * as Ably from "ably";
import { type Emulator, emulatorClientOptions, startEmulator } from "./mod.ts";
import {
  closeClient,
  rawSocket,
  realtimeClient,
  restClient,
  signAblyJwt,
  waitFor,
  withTimeout,
} from "./test_helpers.ts";

const KEY = "app.rev:revsecret";
const PLAIN = "app.plain:plainsecret";
/** A revoked client must be cut off this fast. */
const DISCONNECT_BOUND_MS = 2000;

function start(extra: Parameters<typeof startEmulator>[0] = {}) {
  return startEmulator({
    keys: [KEY, PLAIN],
    revocableKeys: ["app.rev"],
    ...extra,
  });
}

/** The Ably error code a REST call with `token` gets; 0 when accepted. */
async function restCode(emu: Emulator, token: string): Promise<number> {
  const res = await fetch(`${emu.url}/channels/probe/messages`, {
    headers: { authorization: `Bearer ${btoa(token)}` },
  });
  const body = await res.json();
  return res.ok ? 0 : body.error.code;
}

/** A raw revokeTokens call: status and Ably error code (0 when none). */
async function rawRevoke(
  emu: Emulator,
  keyName: string,
  authorization: string,
  body: string,
): Promise<{ status: number; code: number }> {
  const res = await fetch(`${emu.url}/keys/${keyName}/revokeTokens`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body,
  });
  const json = await res.json();
  return { status: res.status, code: res.ok ? 0 : json.error.code };
}

function jwt(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  return signAblyJwt(KEY, {
    iat: now,
    exp: now + 600,
    "x-ably-capability": '{"*":["*"]}',
    ...claims,
  });
}

Deno.test("revokeTokens by clientId disconnects a live client with 40141; one that gets a fresh token resumes, one refused stays out", async () => {
  const emu = await start();
  const rest = restClient(emu, KEY);
  let refuse = false;
  const renewing = realtimeClient(emu, {
    authCallback: (_p, cb) => {
      rest.auth.requestToken({ clientId: "rita" }).then(
        (d) => cb(null, d),
        (e) => cb(e, null),
      );
    },
  });
  // Like the app's token route once the user signed out: no new token.
  const signedOut = realtimeClient(emu, {
    authCallback: (_p, cb) => {
      if (refuse) {
        cb(new Ably.ErrorInfo("signed out", 40100, 401), null);
        return;
      }
      rest.auth.requestToken({ clientId: "rita" }).then(
        (d) => cb(null, d),
        (e) => cb(e, null),
      );
    },
  });
  const bystander = realtimeClient(emu, {
    authCallback: (_p, cb) => {
      rest.auth.requestToken({ clientId: "sam" }).then(
        (d) => cb(null, d),
        (e) => cb(e, null),
      );
    },
  });
  try {
    for (const c of [renewing, signedOut, bystander]) {
      await withTimeout(c.connection.whenState("connected"), 5000, "connect");
    }
    const channel = renewing.channels.get("rev-room");
    const got: unknown[] = [];
    await channel.subscribe((m) => got.push(m.data));
    const renewingId = renewing.connection.id;
    const cut: Record<string, { code?: number; at: number }> = {};
    for (
      const [name, c] of [["renewing", renewing], [
        "signedOut",
        signedOut,
      ]] as const
    ) {
      c.connection.once("disconnected", (change) => {
        cut[name] = { code: change.reason?.code, at: Date.now() };
      });
    }
    let bystanderCut = false;
    bystander.connection.on("disconnected", () => bystanderCut = true);

    refuse = true;
    const before = Date.now();
    const result = await rest.auth.revokeTokens([
      { type: "clientId", value: "rita" },
    ]);
    const resolved = Date.now();
    // BAR2 / TRS2: a BatchResult of one applied target, passed through.
    assert.equal(result.successCount, 1);
    assert.equal(result.failureCount, 0);
    assert.equal(result.results.length, 1);
    const applied = result.results[0] as Ably.TokenRevocationSuccessResult;
    assert.equal(applied.target, "clientId:rita");
    assert.equal(typeof applied.issuedBefore, "number");
    assert.ok(applied.issuedBefore >= before);
    assert.equal(applied.appliesAt, applied.issuedBefore);

    await waitFor(
      () => cut.renewing !== undefined && cut.signedOut !== undefined,
      DISCONNECT_BOUND_MS,
      "both rita clients disconnected",
    );
    assert.equal(cut.renewing.code, 40141);
    assert.equal(cut.signedOut.code, 40141);
    const elapsed = Math.max(cut.renewing.at, cut.signedOut.at) - before;
    console.log(
      `revokeTokens called → clients disconnected: ${elapsed} ms ` +
        `(call resolved after ${resolved - before} ms)`,
    );
    assert.ok(elapsed < DISCONNECT_BOUND_MS);

    // RTN15h2: a fresh token (issued after the revocation) and a resume.
    await waitFor(
      () => renewing.connection.state === "connected",
      5000,
      "renewing reconnect",
    );
    assert.equal(renewing.connection.id, renewingId);
    await restClient(emu, KEY).channels.get("rev-room").publish("m", "after");
    await waitFor(() => got.length === 1, 5000, "message after revocation");

    // The refused one does not get back in.
    await waitFor(
      () =>
        ["disconnected", "suspended", "failed"].includes(
          signedOut.connection.state,
        ) &&
        signedOut.connection.errorReason?.code !== 40141,
      5000,
      "signed-out client settles",
    );
    assert.notEqual(signedOut.connection.state, "connected");
    assert.equal(bystanderCut, false, "sam was not revoked");
    assert.equal(bystander.connection.state, "connected");
  } finally {
    for (const c of [renewing, signedOut, bystander]) await closeClient(c);
    await emu.close();
  }
});

Deno.test("after a revocation, tokens and TokenRequests made before it are refused with 40141; ones made after are accepted", async () => {
  const emu = await start();
  const rest = restClient(emu, KEY);
  const clients: Ably.Realtime[] = [];
  try {
    const oldToken = await rest.auth.requestToken({ clientId: "tom" });
    const oldRequest = await rest.auth.createTokenRequest({ clientId: "tom" });
    const oldJwt = jwt({ "x-ably-clientId": "tom" });
    assert.equal(await restCode(emu, oldToken.token), 0);
    assert.equal(await restCode(emu, oldJwt), 0);

    await delay1ms();
    await rest.auth.revokeTokens([{ type: "clientId", value: "tom" }]);

    assert.equal(await restCode(emu, oldToken.token), 40141);
    assert.equal(await restCode(emu, oldJwt), 40141);
    // The unused TokenRequest, captured before the revocation.
    const exchanged = await fetch(
      `${emu.url}/keys/app.rev/requestToken`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(oldRequest),
      },
    );
    assert.equal(exchanged.status, 401);
    assert.equal((await exchanged.json()).error.code, 40141);

    // A fresh realtime client holding the old token is refused.
    const stale = realtimeClient(emu, { token: oldToken.token });
    clients.push(stale);
    const refused = await withTimeout(
      new Promise<Ably.ConnectionStateChange>((resolve) =>
        stale.connection.on((c) => {
          if (c.current === "disconnected" || c.current === "failed") {
            resolve(c);
          }
        })
      ),
      5000,
      "stale client refused",
    );
    assert.equal(refused.reason?.code, 40141);

    // Issued after: accepted, on REST and realtime.
    await delay1ms();
    const fresh = await rest.auth.requestToken({ clientId: "tom" });
    assert.equal(await restCode(emu, fresh.token), 0);
    // A JWT's iat is in whole seconds: one minted in the second of the
    // revocation counts as issued before it.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    assert.equal(await restCode(emu, jwt({ "x-ably-clientId": "tom" })), 0);
    const ok = realtimeClient(emu, { tokenDetails: fresh });
    clients.push(ok);
    await withTimeout(ok.connection.whenState("connected"), 5000, "fresh");
  } finally {
    for (const c of clients) await closeClient(c);
    await emu.close();
  }
});

Deno.test("revocationKey targets match a JWT's x-ably-revocation-key; issuedBefore is honoured", async () => {
  const emu = await start();
  const rest = restClient(emu, KEY);
  try {
    const tagged = jwt({ "x-ably-revocation-key": "group-7" });
    const untagged = jwt({ "x-ably-clientId": "uma" });
    const early = await rest.auth.requestToken({ clientId: "vic" });
    await delay1ms();
    const cutoff = Date.now();
    await delay1ms();
    const late = await rest.auth.requestToken({ clientId: "vic" });

    await rest.auth.revokeTokens([
      { type: "revocationKey", value: "group-7" },
    ]);
    assert.equal(await restCode(emu, tagged), 40141);
    assert.equal(await restCode(emu, untagged), 0);

    const res = await rest.auth.revokeTokens(
      [{ type: "clientId", value: "vic" }],
      { issuedBefore: cutoff },
    );
    const applied = res.results[0] as Ably.TokenRevocationSuccessResult;
    assert.equal(applied.issuedBefore, cutoff);
    assert.equal(await restCode(emu, early.token), 40141);
    assert.equal(await restCode(emu, late.token), 0);
  } finally {
    await emu.close();
  }
});

Deno.test("revokeTokens is refused to tokens (40162), other keys (40133) and keys without revocable tokens (40164)", async () => {
  const emu = await start();
  try {
    const rest = restClient(emu, KEY);
    const details = await rest.auth.requestToken({ clientId: "wes" });
    // ably-js refuses before sending (RSA17d)...
    const tokenRest = new Ably.Rest({
      ...emulatorClientOptions(emu.url),
      token: details.token,
      logLevel: 0,
    });
    await assert.rejects(
      tokenRest.auth.revokeTokens([{ type: "clientId", value: "wes" }]),
      (err: Ably.ErrorInfo) => err.code === 40162 && err.statusCode === 401,
    );
    // ...and so does the emulator, for a caller that sends anyway.
    const body = JSON.stringify({ targets: ["clientId:wes"] });
    assert.deepEqual(
      await rawRevoke(emu, "app.rev", `Bearer ${btoa(details.token)}`, body),
      { status: 401, code: 40162 },
    );
    assert.deepEqual(
      await rawRevoke(emu, "app.rev", `Basic ${btoa(PLAIN)}`, body),
      { status: 401, code: 40133 },
    );
    await assert.rejects(
      restClient(emu, PLAIN).auth.revokeTokens([
        { type: "clientId", value: "wes" },
      ]),
      (err: Ably.ErrorInfo) => err.code === 40164 && err.statusCode === 401,
    );
    assert.deepEqual(
      await rawRevoke(emu, "app.rev", `Basic ${btoa("app.rev:wrong")}`, body),
      { status: 401, code: 40101 },
    );
    // None of those revoked anything.
    assert.equal(await restCode(emu, details.token), 0);
  } finally {
    await emu.close();
  }
});

Deno.test("targets Ably refuses fail alone in the BatchResult; the valid ones are revoked and live clients cut", async () => {
  const emu = await start();
  const rest = restClient(emu, KEY);
  const clients: Ably.Realtime[] = [];
  try {
    const [xan, yan, zed] = await Promise.all(
      ["xan", "yan", "zed"].map((clientId) =>
        rest.auth.requestToken({ clientId })
      ),
    );
    const live = realtimeClient(emu, { tokenDetails: xan });
    clients.push(live);
    await withTimeout(live.connection.whenState("connected"), 5000, "xan");
    const cut = new Promise<Ably.ConnectionStateChange>((resolve) =>
      live.connection.once("disconnected", resolve)
    );

    // TRF2: an unknown type and an empty value fail; the call resolves.
    const before = Date.now();
    const mixed = await rest.auth.revokeTokens([
      { type: "clientId", value: "xan" },
      { type: "invalidType", value: "abc" },
      { type: "clientId", value: "" },
      { type: "clientId", value: "yan" },
    ]);
    assert.equal(mixed.successCount, 2);
    assert.equal(mixed.failureCount, 2);
    assert.deepEqual(
      mixed.results.map((r) => r.target),
      ["clientId:xan", "invalidType:abc", "clientId:", "clientId:yan"],
    );
    for (const i of [0, 3]) {
      const ok = mixed.results[i] as Ably.TokenRevocationSuccessResult;
      assert.equal("error" in ok, false);
      assert.ok(ok.issuedBefore >= before);
      assert.equal(ok.appliesAt, ok.issuedBefore);
    }
    for (const i of [1, 2]) {
      const failed = mixed.results[i] as Ably.TokenRevocationFailureResult;
      assert.equal(failed.error.code, 40000);
      assert.equal(failed.error.statusCode, 400);
      assert.equal("issuedBefore" in failed, false);
    }
    // The valid targets are revoked: the live client is cut with 40141,
    // and a new one holding the token is refused.
    assert.equal((await withTimeout(cut, 5000, "xan cut")).reason?.code, 40141);
    const stale = realtimeClient(emu, { tokenDetails: yan });
    clients.push(stale);
    const refused = await withTimeout(
      new Promise<Ably.ConnectionStateChange>((resolve) =>
        stale.connection.on((c) => {
          if (c.current === "disconnected" || c.current === "failed") {
            resolve(c);
          }
        })
      ),
      5000,
      "yan refused",
    );
    assert.equal(refused.reason?.code, 40141);
    assert.equal(await restCode(emu, zed.token), 0);

    // All targets refused: still a BatchResult, and nothing is revoked.
    const none = await rest.auth.revokeTokens([
      { type: "user", value: "zed" },
      { type: "channel", value: "" },
    ]);
    assert.deepEqual(
      { successCount: none.successCount, failureCount: none.failureCount },
      { successCount: 0, failureCount: 2 },
    );
    assert.deepEqual(
      none.results.map((r) => [
        r.target,
        (r as Ably.TokenRevocationFailureResult).error.code,
      ]),
      [["user:zed", 40000], ["channel:", 40000]],
    );
    assert.equal(await restCode(emu, zed.token), 0);
  } finally {
    for (const c of clients) await closeClient(c);
    await emu.close();
  }
});

Deno.test("before API version 2 a revocation answers a bare array, or 400 40020 with batchResponse when a target failed", async () => {
  const emu = await start();
  try {
    const rest = restClient(emu, KEY);
    const details = await rest.auth.requestToken({ clientId: "abe" });
    const basic = `Basic ${btoa(KEY)}`;
    const post = async (targets: string[], version?: string) => {
      const res = await fetch(`${emu.url}/keys/app.rev/revokeTokens`, {
        method: "POST",
        headers: {
          authorization: basic,
          "content-type": "application/json",
          ...(version ? { "x-ably-version": version } : {}),
        },
        body: JSON.stringify({ targets }),
      });
      return { status: res.status, json: await res.json() };
    };
    const ok = await post(["clientId:nobody"], "1.2");
    assert.equal(ok.status, 200);
    assert.ok(Array.isArray(ok.json));
    assert.equal(ok.json[0].target, "clientId:nobody");
    assert.equal(typeof ok.json[0].appliesAt, "number");

    const mixed = await post(["clientId:abe", "user:abe"]);
    assert.equal(mixed.status, 400);
    assert.equal(mixed.json.error.code, 40020);
    assert.equal(mixed.json.batchResponse[0].target, "clientId:abe");
    assert.equal(mixed.json.batchResponse[1].error.code, 40000);
    // The valid target applied all the same.
    assert.equal(await restCode(emu, details.token), 40141);

    // Version 2 itself gets the BatchResult.
    const v2 = await post(["user:abe"], "2");
    assert.equal(v2.status, 200);
    assert.deepEqual(
      [v2.json.successCount, v2.json.failureCount, v2.json.results.length],
      [0, 1, 1],
    );
  } finally {
    await emu.close();
  }
});

Deno.test("a malformed body or option is refused whole and revokes nothing", async () => {
  const emu = await start();
  try {
    const rest = restClient(emu, KEY);
    const details = await rest.auth.requestToken({ clientId: "xan" });
    const basic = `Basic ${btoa(KEY)}`;
    const bad = [
      ["not json", "{", 40001],
      ["an array", "[]", 40001],
      ["no targets", "{}", 40003],
      ["targets not an array", '{"targets":"clientId:xan"}', 40003],
      ["a target not a string", '{"targets":[7]}', 40003],
      [
        "issuedBefore in the future",
        JSON.stringify({
          targets: ["clientId:xan"],
          issuedBefore: Date.now() + 3_600_000,
        }),
        40003,
      ],
      [
        "issuedBefore over an hour ago",
        JSON.stringify({
          targets: ["clientId:xan"],
          issuedBefore: Date.now() - 2 * 3_600_000,
        }),
        40003,
      ],
      [
        "allowReauthMargin not a boolean",
        JSON.stringify({ targets: ["clientId:xan"], allowReauthMargin: "yes" }),
        40003,
      ],
    ] as const;
    for (const [what, body, code] of bad) {
      assert.deepEqual(
        await rawRevoke(emu, "app.rev", basic, body),
        { status: 400, code },
        what,
      );
    }
    assert.equal(await restCode(emu, details.token), 0);
  } finally {
    await emu.close();
  }
});

Deno.test("allowReauthMargin: live connections get AUTH first, the cut comes after the margin", async () => {
  const margin = 600;
  const emu = await start({ reauthMarginMs: margin });
  const rest = restClient(emu, KEY);
  let calls = 0;
  const renewing = realtimeClient(emu, {
    authCallback: (_p, cb) => {
      calls++;
      rest.auth.requestToken({ clientId: "yul" }).then(
        (d) => cb(null, d),
        (e) => cb(e, null),
      );
    },
  });
  try {
    await withTimeout(
      renewing.connection.whenState("connected"),
      5000,
      "connect",
    );
    let renewingCut = false;
    renewing.connection.on("disconnected", () => renewingCut = true);
    const held = await rest.auth.requestToken({ clientId: "yul" });
    // A client that ignores AUTH keeps its old token.
    const raw = await rawSocket(
      emu,
      `access_token=${held.token}&format=json&v=6`,
    );
    await waitFor(() => raw.frames.length === 1);
    await delay1ms();
    const started = Date.now();
    const res = await rest.auth.revokeTokens(
      [{ type: "clientId", value: "yul" }],
      { allowReauthMargin: true },
    );
    const applied = res.results[0] as Ably.TokenRevocationSuccessResult;
    assert.ok(applied.appliesAt - applied.issuedBefore >= margin);
    // Inside the margin the old token still works...
    assert.equal(await restCode(emu, held.token), 0);
    await waitFor(() => calls >= 2, 3000, "AUTH → renewal");
    assert.equal(raw.frames[1]?.action, 17);
    // ...and once it ends the connection still holding it is cut.
    await withTimeout(raw.closed, margin + 3000, "cut after the margin");
    const cutAt = Date.now() - started;
    const last = raw.frames.at(-1) as {
      action: number;
      error: { code: number };
    };
    assert.equal(last.action, 6);
    assert.equal(last.error.code, 40141);
    assert.ok(cutAt >= margin, `cut after ${cutAt} ms`);
    assert.equal(await restCode(emu, held.token), 40141);
    // The client that renewed during the margin was never disconnected.
    assert.equal(renewingCut, false);
    assert.equal(renewing.connection.state, "connected");
  } finally {
    await closeClient(renewing);
    await emu.close();
  }
});

Deno.test("revocations per key are bounded; an evicted one still refuses what it covered", async () => {
  const emu = await start({ maxRevocationsPerKey: 2 });
  const rest = restClient(emu, KEY);
  try {
    const zed = await rest.auth.requestToken({ clientId: "zed" });
    for (const who of ["zed", "amy", "bea"]) {
      await rest.auth.revokeTokens([{ type: "clientId", value: who }]);
    }
    // zed's revocation was folded into the key-wide cut-off: fails closed.
    assert.equal(await restCode(emu, zed.token), 40141);
    await delay1ms();
    const later = await rest.auth.requestToken({ clientId: "zed" });
    assert.equal(await restCode(emu, later.token), 0);
  } finally {
    await emu.close();
  }
});

/** Lets the ms clock move on, so "before" and "after" are distinct. */
function delay1ms(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2));
}

Deno.test("the generated dev key has revocable tokens; given keys do not unless listed", async () => {
  const dev = await startEmulator();
  try {
    const res = await restClient(dev).auth.revokeTokens([
      { type: "clientId", value: "nobody" },
    ]);
    assert.equal(res.successCount, 1);
  } finally {
    await dev.close();
  }
  await assert.rejects(
    startEmulator({ keys: [KEY], revocableKeys: ["app.other"] }),
    TypeError,
  );
});
