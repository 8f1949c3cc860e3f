import assert from "node:assert/strict";
import * as Ably from "ably";
import { emulatorClientOptions, startEmulator } from "../emulator/mod.ts";
import {
  type RevocationError,
  type RevokeOutcome,
  revokeUserTokens,
} from "./revoke.ts";

/** The error of a failed outcome; fails the test on `ok`. */
function errorOf(outcome: RevokeOutcome): RevocationError {
  if (outcome.kind === "ok") throw new Error("expected a failure");
  return outcome.error;
}

const KEY = "app.rev:revokesecret123";
const PLAIN = "app.plain:plainsecret456";

function rest(url: string, key: string): Ably.Rest {
  return new Ably.Rest({ ...emulatorClientOptions(url), key, logLevel: 0 });
}

async function restCode(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/channels/probe/messages`, {
    headers: { authorization: `Bearer ${btoa(token)}` },
  });
  const body = await res.json();
  return res.ok ? 0 : body.error.code;
}

Deno.test("revokeUserTokens: ok, and the user's earlier token is refused", async () => {
  const emu = await startEmulator({
    keys: [KEY],
    revocableKeys: ["app.rev"],
  });
  try {
    const client = rest(emu.url, KEY);
    const held = await client.auth.requestToken({ clientId: "github:42" });
    const other = await client.auth.requestToken({ clientId: "github:7" });
    const before = Date.now();
    const outcome = await revokeUserTokens(client, "github:42");
    assert.equal(outcome.kind, "ok");
    if (outcome.kind !== "ok") return;
    assert.ok(outcome.issuedBefore >= before);
    // Immediate: enforcement from the moment Ably handled the request.
    assert.ok(outcome.appliesAt >= outcome.issuedBefore);
    assert.ok(outcome.appliesAt - before < 1000);
    assert.equal(await restCode(emu.url, held.token), 40141);
    assert.equal(await restCode(emu.url, other.token), 0);
  } finally {
    await emu.close();
  }
});

Deno.test("revokeUserTokens: a key without revocable tokens is not-revocable, named without the key", async () => {
  const emu = await startEmulator({ keys: [PLAIN] });
  try {
    const outcome = await revokeUserTokens(rest(emu.url, PLAIN), "github:42");
    assert.equal(outcome.kind, "not-revocable");
    const error = errorOf(outcome);
    assert.equal(error.code, 40164);
    assert.match(error.message, /Revocable tokens/);
    assert.ok(!error.message.includes("plainsecret456"));
  } finally {
    await emu.close();
  }
});

Deno.test("revokeUserTokens: Ably unreachable or failing is retryable", async () => {
  const emu = await startEmulator({ keys: [KEY], revocableKeys: ["app.rev"] });
  const url = emu.url;
  await emu.close();
  const stopped = await revokeUserTokens(rest(url, KEY), "github:42");
  assert.equal(stopped.kind, "retryable");
  assert.ok(!errorOf(stopped).message.includes("revokesecret123"));

  const failing = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response(
        JSON.stringify({
          error: { code: 50000, statusCode: 500, message: "boom" },
        }),
        { status: 500, headers: { "content-type": "application/json" } },
      ),
  );
  try {
    const outcome = await revokeUserTokens(
      rest(`http://127.0.0.1:${failing.addr.port}`, KEY),
      "github:42",
    );
    assert.equal(outcome.kind, "retryable");
  } finally {
    await failing.shutdown();
  }
});

Deno.test("revokeUserTokens: a client on token auth is refused (other)", async () => {
  const emu = await startEmulator({ keys: [KEY], revocableKeys: ["app.rev"] });
  try {
    const details = await rest(emu.url, KEY).auth.requestToken({});
    const tokenRest = new Ably.Rest({
      ...emulatorClientOptions(emu.url),
      token: details.token,
      logLevel: 0,
    });
    const outcome = await revokeUserTokens(tokenRest, "github:42");
    assert.equal(outcome.kind, "other");
    assert.equal(errorOf(outcome).code, 40162);
  } finally {
    await emu.close();
  }
});
