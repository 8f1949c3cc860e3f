import assert from "node:assert/strict";
import { startEmulator } from "./mod.ts";
import {
  closeClient,
  rawSocket,
  realtimeClient,
  restClient,
  tokenRequestCallback,
  waitFor,
  withTimeout,
} from "./test_helpers.ts";

const KEY = "app.full:fullsecret";

Deno.test("CONNECTED carries connectionDetails; heartbeats come every maxIdleInterval", async () => {
  const emu = await startEmulator({
    keys: [KEY],
    maxIdleInterval: 100,
    connectionStateTtl: 5000,
    maxMessageSize: 2048,
  });
  try {
    const raw = await rawSocket(emu, `key=${KEY}&clientId=kim&format=json&v=6`);
    await waitFor(
      () => raw.frames.filter((f) => f.action === 0).length >= 2,
      3000,
      "heartbeats",
    );
    const connected = raw.frames[0] as {
      action: number;
      connectionId: string;
      connectionDetails: Record<string, unknown>;
    };
    assert.equal(connected.action, 4);
    assert.ok(!connected.connectionId.includes(":"));
    assert.equal(connected.connectionDetails.clientId, "kim");
    assert.equal(connected.connectionDetails.maxIdleInterval, 100);
    assert.equal(connected.connectionDetails.connectionStateTtl, 5000);
    assert.equal(connected.connectionDetails.maxMessageSize, 2048);
    assert.equal(typeof connected.connectionDetails.connectionKey, "string");
    raw.socket.send(JSON.stringify({ action: 7 }));
    await withTimeout(raw.closed, 5000, "close");
    assert.equal(raw.frames.at(-1)?.action, 8);
  } finally {
    await emu.close();
  }
});

Deno.test("an unrenewed token: AUTH the lead before expiry, DISCONNECTED 40142/401 at expiry, socket closed", async () => {
  const lead = 300;
  const emu = await startEmulator({ keys: [KEY], tokenRenewalLeadMs: lead });
  try {
    const rest = restClient(emu);
    const run = async (ttl: number) => {
      const details = await rest.auth.requestToken({ ttl });
      const raw = await rawSocket(
        emu,
        `access_token=${details.token}&format=json&v=6`,
      );
      const at = new Map<unknown, number>();
      const onFrame = raw.socket.onmessage!;
      raw.socket.onmessage = (ev) => {
        onFrame.call(raw.socket, ev);
        at.set(raw.frames.at(-1)?.action, Date.now());
      };
      await withTimeout(raw.closed, 5000, "expiry close");
      const last = raw.frames.at(-1)?.error as {
        code: number;
        statusCode: number;
      };
      assert.deepEqual([last.code, last.statusCode], [40142, 401]);
      assert.ok(at.get(6)! >= details.expires, "cut not before expiry");
      return { actions: raw.frames.map((f) => f.action), at, details };
    };
    // RTN22 then RTN15h: a token that lives longer than the lead is asked
    // to renew the lead before it expires; one that does not, is not.
    const long = await run(800);
    assert.deepEqual(long.actions, [4, 17, 6]);
    assert.ok(long.at.get(17)! >= long.details.expires - lead - 20);
    assert.ok(long.at.get(17)! < long.details.expires);
    const short = await run(200);
    assert.deepEqual(short.actions, [4, 6]);
  } finally {
    await emu.close();
  }
});

Deno.test("AUTH with another clientId's token is refused with 40102", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  try {
    const rest = restClient(emu);
    const first = await rest.auth.requestToken({ clientId: "frank" });
    const other = await rest.auth.requestToken({ clientId: "mallory" });
    const raw = await rawSocket(
      emu,
      `access_token=${first.token}&format=json&v=6`,
    );
    await waitFor(() => raw.frames.length === 1);
    raw.socket.send(
      JSON.stringify({ action: 17, auth: { accessToken: other.token } }),
    );
    await withTimeout(raw.closed, 5000, "close after 40102");
    assert.equal((raw.frames[1].error as { code: number }).code, 40102);
  } finally {
    await emu.close();
  }
});

Deno.test("an abrupt drop keeps the connection for resume; presence leaves after the delay", async () => {
  const emu = await startEmulator({ keys: [KEY], presenceLeaveDelay: 300 });
  const watcher = realtimeClient(emu, { key: KEY, clientId: "watcher" });
  try {
    const watch = watcher.channels.get("drop");
    await watch.attach();
    const raw = await rawSocket(
      emu,
      `key=${KEY}&clientId=gina&format=json&v=6`,
    );
    await waitFor(() => raw.frames.length === 1);
    const connected = raw.frames[0] as {
      connectionId: string;
      connectionKey: string;
    };
    raw.socket.send(JSON.stringify({ action: 10, channel: "drop" }));
    raw.socket.send(
      JSON.stringify({
        action: 14,
        channel: "drop",
        msgSerial: 0,
        presence: [{ action: 2 }],
      }),
    );
    await waitFor(
      () => raw.frames.some((f) => f.action === 1),
      5000,
      "presence ACK",
    );
    const present = async () =>
      (await watch.presence.get()).map((m) => m.clientId);
    assert.deepEqual(await present(), ["gina"]);

    // Resume inside connectionStateTtl: same connectionId, no error (RTN15c6).
    raw.socket.close();
    await raw.closed;
    const back = await rawSocket(
      emu,
      `key=${KEY}&clientId=gina&format=json&v=6&resume=${
        encodeURIComponent(connected.connectionKey)
      }`,
    );
    await waitFor(() => back.frames.length === 1);
    assert.equal(back.frames[0].connectionId, connected.connectionId);
    assert.equal(back.frames[0].error, undefined);

    // Dropped again and left alone: presence leaves after 300 ms.
    const left: string[] = [];
    await watch.presence.subscribe("leave", (m) => left.push(m.clientId ?? ""));
    back.socket.close();
    await back.closed;
    await waitFor(() => left.length === 1, 3000, "leave after drop");
    assert.deepEqual(left, ["gina"]);

    // A connectionKey shaped like ours but not issued here: new
    // connectionId and 80018 (RTN15c7); an expired one of ours gets 80008
    // (history_rest_test.ts).
    const stale = await rawSocket(
      emu,
      `key=${KEY}&format=json&v=6&resume=abcdef!nope-xyz`,
    );
    await waitFor(() => stale.frames.length === 1);
    assert.notEqual(stale.frames[0].connectionId, connected.connectionId);
    assert.equal((stale.frames[0].error as { code: number }).code, 80018);
    stale.socket.close();
    await stale.closed;
  } finally {
    await closeClient(watcher);
    await emu.close();
  }
});

Deno.test("after an emulator restart on the same port the SDK reconnects and re-attaches", async () => {
  let emu = await startEmulator({ keys: [KEY] });
  const port = emu.port;
  const calls = { count: 0 };
  const client = realtimeClient(emu, {
    authCallback: tokenRequestCallback(
      restClient(emu),
      { clientId: "hal" },
      calls,
    ),
  });
  try {
    const channel = client.channels.get("restart");
    const got: unknown[] = [];
    await channel.subscribe((m) => got.push(m.data));
    const firstId = client.connection.id;
    await emu.close();
    emu = await startEmulator({ keys: [KEY], port });
    await waitFor(
      () =>
        client.connection.state === "connected" &&
        client.connection.id !== firstId,
      10_000,
      "reconnect",
    );
    await waitFor(() => channel.state === "attached", 5000, "re-attach");
    // The old token is unknown to the new run: the SDK fetched another.
    assert.ok(calls.count >= 2);
    await restClient(emu).channels.get("restart").publish("x", "again");
    await waitFor(() => got.length === 1, 5000, "message after restart");
    assert.deepEqual(got, ["again"]);
  } finally {
    await closeClient(client);
    await emu.close();
  }
});

Deno.test("a resume with a narrower token stops delivery on channels it no longer covers (RTN15c6, RTN22)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  try {
    const rest = restClient(emu);
    const wide = await rest.auth.requestToken({
      clientId: "nia",
      capability: { "room:a": ["subscribe"], "room:b": ["subscribe"] },
    });
    const narrow = await rest.auth.requestToken({
      clientId: "nia",
      capability: { "room:a": ["subscribe"] },
    });
    const first = await rawSocket(
      emu,
      `access_token=${wide.token}&format=json&v=6`,
    );
    await waitFor(() => first.frames.length === 1);
    const { connectionKey } = first.frames[0] as { connectionKey: string };
    first.socket.send(JSON.stringify({ action: 10, channel: "room:a" }));
    first.socket.send(JSON.stringify({ action: 10, channel: "room:b" }));
    await waitFor(() =>
      first.frames.filter((f) => f.action === 11).length === 2
    );
    first.socket.close();
    await first.closed;

    const back = await rawSocket(
      emu,
      `access_token=${narrow.token}&format=json&v=6&resume=${
        encodeURIComponent(connectionKey)
      }`,
    );
    await waitFor(() => back.frames.length >= 1);
    assert.equal(back.frames[0].action, 4);
    assert.equal(back.frames[0].error, undefined, "resumed");
    await rest.channels.get("room:b").publish("secret", "not for nia");
    await rest.channels.get("room:a").publish("open", "for nia");
    await waitFor(
      () => back.frames.some((f) => f.action === 15),
      5000,
      "the room:a message",
    );
    const delivered = back.frames.filter((f) => f.action === 15).map((f) =>
      f.channel
    );
    assert.deepEqual(delivered, ["room:a"]);
    // The channel was failed with 40160 rather than silently kept.
    const failed = back.frames.find((f) => f.action === 9);
    assert.equal(failed?.channel, "room:b");
    assert.equal((failed?.error as { code: number }).code, 40160);
    back.socket.close();
    await back.closed;
  } finally {
    await emu.close();
  }
});
