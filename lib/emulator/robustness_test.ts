import assert from "node:assert/strict";
import type * as Ably from "ably";
import { startEmulator } from "./mod.ts";
import {
  closeClient,
  rawSocket,
  realtimeClient,
  restClient,
  waitFor,
  withTimeout,
} from "./test_helpers.ts";

const KEY = "app.full:fullsecret";

Deno.test("garbage, unknown actions and oversized frames get errors; others keep being served", async () => {
  const emu = await startEmulator({ keys: [KEY], maxFrameSize: 200_000 });
  const client = realtimeClient(emu, { key: KEY, clientId: "ivy" });
  try {
    const raw = await rawSocket(emu, `key=${KEY}&clientId=bad&format=json&v=6`);
    await waitFor(() => raw.frames.length === 1);
    const bad = [
      "not json",
      "[1,2,3]",
      '{"action":"attach"}',
      '{"action":99}',
      '{"action":4}',
      '{"action":10,"channel":42}',
      '{"action":15,"channel":"c","msgSerial":1e400,"messages":[]}',
      '{"action":15,"channel":"c","msgSerial":-1,"messages":[{}]}',
      "x".repeat(250_000),
    ];
    for (const frame of bad) raw.socket.send(frame);
    raw.socket.send(new Uint8Array([1, 2, 3]));
    await waitFor(
      () => raw.frames.length === 1 + bad.length + 1,
      5000,
      "errors",
    );
    const errors = raw.frames.slice(1);
    for (const f of errors) {
      assert.equal(f.action, 9);
      assert.equal(typeof (f.error as { code: number }).code, "number");
    }
    // A channel name of the wrong type is 40010; a frame over maxFrameSize 40009.
    assert.equal((errors[5].error as { code: number }).code, 40010);
    assert.equal((errors[8].error as { code: number }).code, 40009);

    // A well-formed publish over maxMessageSize is NACKed with 40009.
    raw.socket.send(JSON.stringify({
      action: 15,
      channel: "c",
      msgSerial: 0,
      messages: [{ name: "big", data: "y".repeat(70_000) }],
    }));
    await waitFor(() => raw.frames.some((f) => f.action === 2), 5000, "NACK");
    const nack = raw.frames.find((f) => f.action === 2) as {
      msgSerial: number;
      error: { code: number };
    };
    assert.equal(nack.msgSerial, 0);
    assert.equal(nack.error.code, 40009);

    // The same socket still works after all that: a ping is answered.
    raw.socket.send(JSON.stringify({ action: 0, id: "ping-1" }));
    await waitFor(
      () => raw.frames.some((f) => f.id === "ping-1"),
      5000,
      "pong",
    );

    // And another client never noticed.
    const ch = client.channels.get("fine");
    const got: unknown[] = [];
    await ch.subscribe((m) => got.push(m.data));
    await ch.publish("ok", "still here");
    await waitFor(() => got.length === 1, 5000, "message");
    raw.socket.close();
    await raw.closed;
  } finally {
    await closeClient(client);
    await emu.close();
  }
});

Deno.test("sixteen bad frames in a row close the socket", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  try {
    const raw = await rawSocket(emu, `key=${KEY}&format=json&v=6`);
    for (let i = 0; i < 16; i++) raw.socket.send("{");
    await withTimeout(raw.closed, 5000, "close after bad frames");
    const last = raw.frames.at(-1) as {
      action: number;
      error: { code: number };
    };
    assert.equal(last.action, 6);
    assert.equal(last.error.code, 80013);
  } finally {
    await emu.close();
  }
});

Deno.test("the SDK sees 40009 for an oversized publish and keeps the connection", async () => {
  const emu = await startEmulator({ keys: [KEY], maxMessageSize: 1024 });
  const client = realtimeClient(emu, { key: KEY });
  try {
    await client.connection.whenState("connected");
    const ch = client.channels.get("big");
    await assert.rejects(
      () => ch.publish("big", "z".repeat(4096)),
      (err: Ably.ErrorInfo) => err.code === 40009,
    );
    await ch.publish("small", "fits");
    assert.equal(client.connection.state, "connected");
  } finally {
    await closeClient(client);
    await emu.close();
  }
});

Deno.test("connection and channel limits answer with Ably's codes", async () => {
  const emu = await startEmulator({
    keys: [KEY],
    maxConnections: 1,
    maxChannelsPerConnection: 2,
  });
  try {
    const first = await rawSocket(emu, `key=${KEY}&format=json&v=6`);
    await waitFor(() => first.frames.length === 1);
    const second = await rawSocket(emu, `key=${KEY}&format=json&v=6`);
    await withTimeout(second.closed, 5000, "refused connection");
    assert.equal((second.frames[0].error as { code: number }).code, 40111);

    for (const channel of ["a", "b", "c"]) {
      first.socket.send(JSON.stringify({ action: 10, channel }));
    }
    await waitFor(() => first.frames.length === 4, 5000, "attach answers");
    assert.deepEqual(first.frames.slice(1).map((f) => f.action), [11, 11, 9]);
    assert.equal(first.frames[3].channel, "c");
    assert.equal((first.frames[3].error as { code: number }).code, 90010);
    first.socket.close();
    await first.closed;
  } finally {
    await emu.close();
  }
});

Deno.test("one token holds a bounded number of live connections: the next is refused with 40151 and fails, the others stay up", async () => {
  const emu = await startEmulator({ keys: [KEY], maxConnectionsPerToken: 2 });
  const details = await restClient(emu).auth.requestToken({ clientId: "t" });
  const clients = [0, 1, 2].map(() =>
    realtimeClient(emu, { tokenDetails: details })
  );
  const fresh = realtimeClient(emu, { key: KEY });
  try {
    await withTimeout(clients[0].connection.whenState("connected"), 5000, "1");
    await withTimeout(clients[1].connection.whenState("connected"), 5000, "2");
    await withTimeout(
      clients[2].connection.whenState("failed"),
      5000,
      "third refused",
    );
    assert.equal(clients[2].connection.errorReason?.code, 40151);
    assert.equal(clients[0].connection.state, "connected");
    // Key auth is not a token; the same token frees a place when one closes.
    await withTimeout(fresh.connection.whenState("connected"), 5000, "key");
    await closeClient(clients[0]);
    const again = realtimeClient(emu, { tokenDetails: details });
    clients.push(again);
    await withTimeout(again.connection.whenState("connected"), 5000, "again");
  } finally {
    for (const c of clients) await closeClient(c);
    await closeClient(fresh);
    await emu.close();
  }
});
