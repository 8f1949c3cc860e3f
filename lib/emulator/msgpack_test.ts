/**
 * MessagePack, ably-js's default outside browsers (spec RSC8, RTN2a):
 * msgpack and JSON clients, REST and realtime, see the same payloads, and
 * token revocation (RSA17) works over msgpack as over JSON.
 */

import assert from "node:assert/strict";
import * as Ably from "ably";
import { Buffer } from "node:buffer";
import { emulatorClientOptions, startEmulator } from "./mod.ts";
import {
  closeClient,
  rawSocket,
  realtimeClient,
  tokenRequestCallback,
  waitFor,
  withTimeout,
} from "./test_helpers.ts";
import { decodeMsgpack, encodeMsgpack } from "./core/mod.ts";

const KEY = "app.full:fullsecret";
const BYTES = Buffer.from([0, 1, 2, 250, 255]);
const PAYLOADS: Array<[string, unknown]> = [
  ["s", "text ünïcode"],
  ["o", { n: 1, list: [1, "two"], nested: { ok: true } }],
  ["b", BYTES],
];

function sameData(got: unknown, want: unknown): void {
  if (want instanceof Uint8Array) {
    assert.deepEqual(Buffer.from(got as Uint8Array), Buffer.from(want));
  } else assert.deepEqual(got, want);
}

Deno.test("msgpack and JSON realtime clients exchange strings, JSON and binary both ways", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const packed = realtimeClient(emu, {
    key: KEY,
    clientId: "packed",
    useBinaryProtocol: true,
  });
  const plain = realtimeClient(emu, { key: KEY, clientId: "plain" });
  try {
    const toPlain: Ably.Message[] = [];
    const toPacked: Ably.Message[] = [];
    const plainCh = plain.channels.get("mixed");
    const packedCh = packed.channels.get("mixed");
    await plainCh.subscribe((m) => toPlain.push(m));
    await packedCh.subscribe((m) => toPacked.push(m));
    for (const [name, data] of PAYLOADS) await packedCh.publish(name, data);
    for (const [name, data] of PAYLOADS) await plainCh.publish(name, data);
    await waitFor(
      () => toPlain.length === 6 && toPacked.length === 6,
      5000,
      "both directions",
    );
    for (const got of [toPlain, toPacked]) {
      for (let i = 0; i < 6; i++) {
        const [name, data] = PAYLOADS[i % 3];
        assert.equal(got[i].name, name);
        sameData(got[i].data, data);
      }
    }
    assert.equal(toPlain[0].clientId, "packed");

    await packedCh.presence.enter({ here: true });
    const members = await plainCh.presence.get();
    assert.deepEqual(members.map((m) => [m.clientId, m.data]), [
      ["packed", { here: true }],
    ]);
  } finally {
    await closeClient(packed);
    await closeClient(plain);
    await emu.close();
  }
});

Deno.test("a msgpack REST client publishes, reads history and gets Ably errors", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const rest = new Ably.Rest({
    ...emulatorClientOptions(emu.url),
    key: KEY,
    logLevel: 0,
    useBinaryProtocol: true,
  });
  const sub = realtimeClient(emu, { key: KEY });
  try {
    const got: Ably.Message[] = [];
    await sub.channels.get("rest-packed").subscribe((m) => got.push(m));
    const ch = rest.channels.get("rest-packed");
    await ch.publish(PAYLOADS.map(([name, data]) => ({ name, data })));
    await waitFor(() => got.length === 3, 5000, "fan-out");
    const history = await ch.history({ direction: "forwards" });
    for (const items of [got, history.items]) {
      items.forEach((m, i) => sameData(m.data, PAYLOADS[i][1]));
    }
    const token = await rest.auth.requestToken({ clientId: "t" });
    assert.equal(typeof token.token, "string");
    await assert.rejects(
      () => rest.channels.get("[bad").publish("n", "x"),
      (err: Ably.ErrorInfo) => err.code === 40010,
    );
  } finally {
    await closeClient(sub);
    await emu.close();
  }
});

Deno.test("malformed msgpack frames get ERROR; a JSON socket refuses binary frames", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  try {
    const socket = new WebSocket(
      `${emu.url.replace("http", "ws")}/?key=${KEY}&format=msgpack&v=6`,
    );
    socket.binaryType = "arraybuffer";
    const frames: Array<{ action: number; id?: string }> = [];
    const closed = new Promise((resolve) => socket.onclose = resolve);
    socket.onmessage = (ev) => frames.push(decodeMsgpack(ev.data) as never);
    await withTimeout(
      new Promise((resolve) => socket.onopen = resolve),
      5000,
      "open",
    );
    socket.send(new Uint8Array([0xc1]));
    socket.send(encodeMsgpack({ action: 0, id: "ping" }));
    await waitFor(() => frames.length >= 3, 5000, "three frames");
    assert.deepEqual(frames.map((f) => f.action), [4, 9, 0]);
    assert.equal(frames[2].id, "ping");
    socket.close();
    await withTimeout(closed, 5000, "close");

    const plain = await rawSocket(emu, `key=${KEY}&format=json&v=6`);
    plain.socket.send(new Uint8Array([1, 2, 3]));
    await waitFor(() => plain.frames.some((f) => f.action === 9), 5000, "ERR");
    const err = plain.frames.find((f) => f.action === 9)?.error as {
      code: number;
    };
    assert.equal(err.code, 40000);
    plain.socket.close();
    await withTimeout(plain.closed, 5000, "close");
  } finally {
    await emu.close();
  }
});

Deno.test("msgpack clients revoke over REST and see the cut over realtime (RSA17)", async () => {
  const emu = await startEmulator({ keys: [KEY], revocableKeys: ["app.full"] });
  const rest = new Ably.Rest({
    ...emulatorClientOptions(emu.url),
    key: KEY,
    logLevel: 0,
    useBinaryProtocol: true,
  });
  const rita = realtimeClient(emu, {
    authCallback: tokenRequestCallback(rest, { clientId: "rita" }),
    useBinaryProtocol: true,
  });
  try {
    await rita.channels.get("packed-room").attach();
    const cut = new Promise<number | undefined>((resolve) =>
      rita.connection.once("disconnected", (c) => resolve(c.reason?.code))
    );
    const result = await rest.auth.revokeTokens([
      { type: "clientId", value: "rita" },
    ]);
    assert.equal(result.successCount, 1);
    assert.equal(result.results[0].target, "clientId:rita");
    assert.equal(await withTimeout(cut, 5000, "cut"), 40141);
    // A token issued after the revocation is accepted: rita comes back.
    await withTimeout(
      rita.connection.whenState("connected"),
      5000,
      "reconnected",
    );
  } finally {
    await closeClient(rita);
    await emu.close();
  }
});
