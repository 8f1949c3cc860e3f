import assert from "node:assert/strict";
import * as Ably from "ably";
import { emulatorClientOptions, startEmulator } from "./mod.ts";
import { closeClient, realtimeClient, waitFor } from "./test_helpers.ts";

const KEY = "app.key:secret";
/** May publish on `user:*` only. */
const USERS_ONLY = 'app.users:usersecret={"user:*":["publish","subscribe"]}';

Deno.test("batchPublish (RSC22): one request, each channel's subscribers get the message; a refused channel fails alone", async () => {
  const emu = await startEmulator({ keys: [KEY, USERS_ONLY] });
  // Every REST request goes through this proxy, which counts them.
  const paths: string[] = [];
  const proxy = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const url = new URL(req.url);
      paths.push(url.pathname);
      return fetch(new URL(url.pathname + url.search, emu.url), {
        method: req.method,
        headers: req.headers,
        body: req.body,
      });
    },
  );
  const rest = new Ably.Rest({
    ...emulatorClientOptions(`http://127.0.0.1:${proxy.addr.port}`),
    key: emu.keys[1],
    logLevel: 0,
  });
  const sub = realtimeClient(emu, { key: emu.keys[0] });
  try {
    const seen: [string, unknown][] = [];
    for (const name of ["user:a:1", "user:a:2"]) {
      await sub.channels.get(name).subscribe("unread", (m) => {
        seen.push([name, m.data]);
      });
    }
    const result = await rest.batchPublish({
      channels: ["user:a:1", "user:a:2", "room:lobby"],
      messages: [{ id: "n.1:0", name: "unread", data: { roomId: "r1" } }],
    });
    assert.equal(result.successCount, 2);
    assert.equal(result.failureCount, 1);
    assert.deepEqual(result.results.map((r) => r.channel), [
      "user:a:1",
      "user:a:2",
      "room:lobby",
    ]);
    const ok = result.results[0] as Ably.BatchPublishSuccessResult;
    assert.equal(ok.messageId, "n.1");
    assert.equal(ok.serials.length, 1);
    const refused = result.results[2] as Ably.BatchPublishFailureResult;
    assert.equal(refused.error.code, 40160);
    assert.equal(refused.error.statusCode, 401);
    assert.ok(!("messageId" in refused));
    await waitFor(() => seen.length === 2, 5_000, "two deliveries");
    assert.deepEqual(seen.sort(), [
      ["user:a:1", { roomId: "r1" }],
      ["user:a:2", { roomId: "r1" }],
    ]);
    assert.deepEqual(paths, ["/messages"]);

    // An array of specs answers an array, in order; the same id again is
    // dropped per channel (RSL1k), as a single publish's would be.
    const [first, second] = await rest.batchPublish([
      { channels: ["user:a:1"], messages: [{ id: "n.1:0", name: "unread" }] },
      { channels: ["user:a:2"], messages: [{ name: "unread", data: "x" }] },
    ]);
    assert.equal(first.successCount, 1);
    assert.equal(second.results[0].channel, "user:a:2");
    await waitFor(() => seen.length === 3, 5_000, "the new one");
    assert.deepEqual(seen[2], ["user:a:2", "x"]);
  } finally {
    await closeClient(sub);
    await proxy.shutdown();
    await emu.close();
  }
});

Deno.test("POST /messages: before API version 2, a failure is 400 40020 with batchResponse; malformed specs and over 100 channels are 400", async () => {
  const emu = await startEmulator({ keys: [KEY, USERS_ONLY] });
  const url = new URL("/messages", emu.url);
  const post = async (body: unknown, version?: string) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      authorization: `Basic ${btoa(emu.keys[1])}`,
    };
    if (version) headers["x-ably-version"] = version;
    const res = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };
  try {
    const spec = {
      channels: ["user:b:1", "room:lobby"],
      messages: { name: "unread" },
    };
    const legacy = await post(spec);
    assert.equal(legacy.status, 400);
    assert.equal(legacy.json.error.code, 40020);
    assert.equal(legacy.json.batchResponse[0].channel, "user:b:1");
    assert.ok(legacy.json.batchResponse[0].messageId);
    assert.equal(legacy.json.batchResponse[1].error.code, 40160);
    const allGood = await post({ ...spec, channels: ["user:b:1"] });
    assert.equal(allGood.status, 201);
    assert.equal(allGood.json[0].channel, "user:b:1");
    const current = await post(spec, "5");
    assert.equal(current.status, 201);
    assert.equal(current.json.failureCount, 1);

    for (
      const bad of [
        { channels: [], messages: { name: "x" } },
        { channels: ["user:b:1"], messages: [] },
        { channels: ["user:b:1"] },
        [42],
        {
          channels: Array.from({ length: 101 }, (_, i) => `user:b:${i}`),
          messages: { name: "x" },
        },
      ]
    ) {
      const refused = await post(bad, "5");
      assert.equal(refused.status, 400, JSON.stringify(bad).slice(0, 80));
      assert.equal(refused.json.error.code, 40000);
    }
  } finally {
    await emu.close();
  }
});
