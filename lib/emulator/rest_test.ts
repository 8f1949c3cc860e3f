import assert from "node:assert/strict";
import * as Ably from "ably";
import { emulatorClientOptions, startEmulator } from "./mod.ts";
import {
  closeClient,
  realtimeClient,
  restClient,
  waitFor,
} from "./test_helpers.ts";

const KEY = "app.full:fullsecret";

Deno.test("REST publish through the SDK fans out to realtime and shows in history", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const sub = realtimeClient(emu, { key: KEY });
  try {
    const got: unknown[] = [];
    await sub.channels.get("news").subscribe((m) => got.push(m.data));
    const rest = restClient(emu);
    const channel = rest.channels.get("news");
    await channel.publish("a", "first");
    await channel.publish([{ name: "b", data: { n: 2 } }, {
      name: "c",
      data: "third",
    }]);
    await waitFor(() => got.length === 3, 5000, "fan-out");
    assert.deepEqual(got, ["first", { n: 2 }, "third"]);

    const newest = await channel.history({ limit: 2 });
    assert.deepEqual(newest.items.map((m) => m.data), ["third", { n: 2 }]);
    const oldest = await channel.history({ direction: "forwards" });
    assert.deepEqual(oldest.items.map((m) => m.name), ["a", "b", "c"]);
    assert.ok(
      oldest.items.every((m) => typeof m.id === "string" && m.timestamp),
    );
    // RSL1k: a retry with the same message id is delivered and stored once.
    await channel.publish([{ id: "fixed-id:0", name: "d", data: "once" }]);
    await channel.publish([{ id: "fixed-id:0", name: "d", data: "once" }]);
    await waitFor(() => got.length === 4, 5000, "idempotent publish");
    const all = await channel.history({ limit: 10 });
    assert.deepEqual(all.items.map((m) => m.name), ["d", "c", "b", "a"]);
    // RSL2a: pages follow the Link header.
    const page1 = await channel.history({ limit: 3 });
    assert.deepEqual(page1.items.map((m) => m.name), ["d", "c", "b"]);
    assert.ok(page1.hasNext());
    const page2 = await page1.next();
    assert.deepEqual(page2?.items.map((m) => m.name), ["a"]);
    assert.ok(!page2?.hasNext());
    const time = await rest.time();
    assert.ok(Math.abs(time - Date.now()) < 5000);
  } finally {
    await closeClient(sub);
    await emu.close();
  }
});

Deno.test("REST publish is refused without the publish right", async () => {
  const emu = await startEmulator({
    keys: [KEY, 'app.ro:rosecret={"*":["subscribe","history"]}'],
  });
  try {
    const ro = restClient(emu, "app.ro:rosecret");
    await assert.rejects(
      () => ro.channels.get("x").publish("n", "d"),
      (err: Ably.ErrorInfo) => err.code === 40160 && err.statusCode === 401,
    );
    const page = await ro.channels.get("x").history();
    assert.deepEqual(page.items, []);
  } finally {
    await emu.close();
  }
});

Deno.test("errors are Ably JSON; CORS echoes the origin with credentials", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  try {
    const res = await fetch(`${emu.url}/channels/x/messages`, {
      headers: { origin: "http://localhost:8000" },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("x-ably-errorcode"), "40100");
    assert.ok(res.headers.get("x-ably-errormessage"));
    assert.equal(
      res.headers.get("access-control-allow-origin"),
      "http://localhost:8000",
    );
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.match(
      res.headers.get("access-control-expose-headers") ?? "",
      /X-Ably-Errorcode/,
    );
    const body = await res.json();
    assert.deepEqual(body, {
      error: {
        message: "Authentication required",
        code: 40100,
        statusCode: 401,
        href: "https://help.ably.io/error/40100",
      },
    });

    const pre = await fetch(`${emu.url}/keys/app.full/requestToken`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:8000",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-ably-version",
      },
    });
    await pre.body?.cancel();
    assert.equal(pre.status, 204);
    assert.equal(
      pre.headers.get("access-control-allow-headers"),
      "content-type,x-ably-version",
    );
    assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.equal(
      pre.headers.get("access-control-allow-origin"),
      "http://localhost:8000",
    );

    const missing = await fetch(`${emu.url}/nowhere`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 40400);
  } finally {
    await emu.close();
  }
});

Deno.test("emulatorClientOptions gives the SDK no fallback hosts", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const opts = emulatorClientOptions(emu.url);
  assert.equal(opts.endpoint, "127.0.0.1");
  assert.equal(opts.port, emu.port);
  assert.equal(opts.tls, false);
  assert.equal(opts.useBinaryProtocol, false);
  // The SDK's normalised options: the emulator is the only host (REC1b2,
  // REC2c2), with and without the explicit empty fallback list.
  type Normalised = {
    options: { primaryDomain: string; fallbackHosts?: string[] };
  };
  const { fallbackHosts: _fallbacks, ...implicit } = opts;
  try {
    for (const options of [opts, implicit]) {
      const rest = new Ably.Rest({ ...options, key: KEY, logLevel: 0 });
      const resolved = (rest as unknown as Normalised).options;
      assert.equal(resolved.primaryDomain, "127.0.0.1");
      assert.deepEqual(resolved.fallbackHosts ?? [], []);
      assert.equal((await rest.time()) > 0, true);
    }
  } finally {
    await emu.close();
  }
});

Deno.test("REST history drops messages past the retention unless the namespace is persisted", async () => {
  const emu = await startEmulator({
    keys: [KEY],
    historyRetentionMs: 300,
    persist: ["kept"],
  });
  try {
    const rest = restClient(emu);
    await rest.channels.get("brief").publish("m", "short-lived");
    await rest.channels.get("kept:log").publish("m", "persisted");
    const items = async (name: string) =>
      (await rest.channels.get(name).history()).items.map((m) => m.data);
    assert.deepEqual(await items("brief"), ["short-lived"]);
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(await items("brief"), []);
    assert.deepEqual(await items("kept:log"), ["persisted"]);
  } finally {
    await emu.close();
  }
});

Deno.test("presence history drops events past the retention unless the namespace is persisted", async () => {
  const emu = await startEmulator({
    keys: [KEY],
    historyRetentionMs: 300,
    persist: ["kept"],
  });
  const alice = realtimeClient(emu, { key: KEY, clientId: "alice" });
  try {
    const rest = restClient(emu);
    await alice.channels.get("brief").presence.enter("short-lived");
    await alice.channels.get("kept:lobby").presence.enter("persisted");
    const events = async (name: string) =>
      (await rest.channels.get(name).presence.history()).items.map((p) =>
        p.data
      );
    assert.deepEqual(await events("brief"), ["short-lived"]);
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(await events("brief"), []);
    assert.deepEqual(await events("kept:lobby"), ["persisted"]);
  } finally {
    await closeClient(alice);
    await emu.close();
  }
});
