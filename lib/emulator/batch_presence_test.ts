/**
 * Batch presence (spec RSC24, `GET /presence?channels=`) through the real
 * ably-js SDK: members entered by Realtime clients come back per channel in
 * a BatchResult (BAR2), in JSON and msgpack, by key and by token; a channel
 * the credentials may not read fails alone (BGF2, 40160); a request that
 * cannot be attempted is an error.
 */

import assert from "node:assert/strict";
import * as Ably from "ably";
import { emulatorClientOptions, startEmulator } from "./mod.ts";
import { closeClient, realtimeClient, restClient } from "./test_helpers.ts";

const KEY = "app.full:fullsecret";
/** Reads presence on `room:*` only. */
const NARROW = 'app.narrow:narrowsecret={"room:*":["subscribe"]}';

type Result = Ably.BatchPresenceSuccessResult | Ably.BatchPresenceFailureResult;
/** What ably-js 2.28 resolves with (its typings say an array of these). */
interface BatchAnswer {
  successCount: number;
  failureCount: number;
  results: Result[];
}

async function batch(rest: Ably.Rest, channels: string[]) {
  return await rest.batchPresence(channels) as unknown as BatchAnswer;
}

function clientIds(result: Result | undefined): string[] {
  assert.ok(result && "presence" in result, JSON.stringify(result));
  return result.presence.map((m) => m.clientId).sort();
}

Deno.test("batch presence lists each channel's members in request order, in JSON and msgpack; a channel the key may not read fails alone with 40160", async () => {
  const emu = await startEmulator({ keys: [KEY, NARROW] });
  const alice1 = realtimeClient(emu, { key: KEY, clientId: "alice" });
  const alice2 = realtimeClient(emu, { key: KEY, clientId: "alice" });
  const bob = realtimeClient(emu, { key: KEY, clientId: "bob" });
  try {
    await Promise.all([
      alice1.channels.get("room:a").presence.enter(),
      alice2.channels.get("room:a").presence.enter(),
      bob.channels.get("room:a").presence.enter(),
      bob.channels.get("other").presence.enter(),
    ]);
    for (const useBinaryProtocol of [false, true]) {
      const rest = new Ably.Rest({
        ...emulatorClientOptions(emu.url),
        key: NARROW.split("=")[0],
        useBinaryProtocol,
        logLevel: 0,
      });
      const answer = await batch(rest, ["room:a", "room:empty", "other"]);
      const what = useBinaryProtocol ? "msgpack" : "json";
      assert.equal(answer.successCount, 2, what);
      assert.equal(answer.failureCount, 1, what);
      assert.deepEqual(
        answer.results.map((r) => r.channel),
        ["room:a", "room:empty", "other"],
      );
      // One member per connection: alice's two tabs are two members.
      assert.deepEqual(clientIds(answer.results[0]), [
        "alice",
        "alice",
        "bob",
      ]);
      assert.deepEqual(clientIds(answer.results[1]), []);
      const refused = answer.results[2];
      assert.ok("error" in refused && !("presence" in refused), what);
      assert.equal(refused.error.code, 40160);
      assert.equal(refused.error.statusCode, 401);
    }
  } finally {
    await Promise.all([alice1, alice2, bob].map(closeClient));
    await emu.close();
  }
});

Deno.test("batch presence by token: the token's capability decides per channel; a left member is gone", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const keyRest = restClient(emu, KEY);
  const carol = realtimeClient(emu, { key: KEY, clientId: "carol" });
  try {
    await carol.channels.get("room:b").presence.enter();
    const token = await keyRest.auth.requestToken({
      capability: { "room:b": ["subscribe"] },
    });
    const rest = new Ably.Rest({
      ...emulatorClientOptions(emu.url),
      token: token.token,
      logLevel: 0,
    });
    const answer = await batch(rest, ["room:b", "room:c"]);
    assert.deepEqual(clientIds(answer.results[0]), ["carol"]);
    assert.equal(
      (answer.results[1] as Ably.BatchPresenceFailureResult)
        .error.code,
      40160,
    );

    await carol.channels.get("room:b").presence.leave();
    const after = await batch(rest, ["room:b"]);
    assert.deepEqual(clientIds(after.results[0]), []);
  } finally {
    await closeClient(carol);
    await emu.close();
  }
});

Deno.test("batch presence that cannot be attempted is an error: no credentials 401, no channels or more than 100 → 400, a bad name fails alone (40010)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  try {
    const anonymous = await fetch(`${emu.url}/presence?channels=a`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();

    const rest = restClient(emu, KEY);
    await assert.rejects(batch(rest, []), (err: Ably.ErrorInfo) => {
      assert.equal(err.statusCode, 400);
      return true;
    });
    const many = Array.from({ length: 101 }, (_, i) => `c${i}`);
    await assert.rejects(batch(rest, many), (err: Ably.ErrorInfo) => {
      assert.equal(err.statusCode, 400);
      return true;
    });
    const hundred = await batch(rest, many.slice(0, 100));
    assert.equal(hundred.successCount, 100);

    const named = await batch(rest, ["ok", "[bad"]);
    assert.equal(named.failureCount, 1);
    assert.equal(
      (named.results[1] as Ably.BatchPresenceFailureResult).error.code,
      40010,
    );
  } finally {
    await emu.close();
  }
});
