/**
 * Channel modes, channel params, channel names and derived channels, driven
 * through the real ably-js SDK (spec RTL4k, RTL4l, RTL4m, RTL16; Ably docs
 * "Channel options", "Subscription filters").
 */

import assert from "node:assert/strict";
import type * as Ably from "ably";
import { startEmulator } from "./mod.ts";
import {
  closeClient,
  delay,
  rawSocket,
  realtimeClient,
  restClient,
  tokenRequestCallback,
  waitFor,
} from "./test_helpers.ts";

const KEY = "app.full:fullsecret";
/** What Ably grants when no mode is asked for (ably-js `attachWithInvalidChannelParams`). */
const DEFAULT_MODES = [
  "annotation_publish",
  "presence",
  "presence_subscribe",
  "publish",
  "subscribe",
];

const code = (want: number) => (err: Ably.ErrorInfo) => {
  assert.equal(err.code, want, err.message);
  return true;
};

const sorted = (modes: string[] | undefined) => [...(modes ?? [])].sort();

Deno.test("modes: defaults follow the capability; requested ones are granted within it (RTL4l, RTL4m)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const rest = restClient(emu);
  const full = realtimeClient(emu, { key: KEY });
  const limited = realtimeClient(emu, {
    authCallback: tokenRequestCallback(rest, {
      capability: { "room": ["subscribe"] },
    }),
  });
  try {
    const plain = full.channels.get("room");
    await plain.attach();
    assert.deepEqual(sorted(plain.modes), DEFAULT_MODES);

    const narrow = limited.channels.get("room");
    await narrow.attach();
    assert.deepEqual(sorted(narrow.modes), ["presence_subscribe", "subscribe"]);

    // Asked for more than the capability allows: the intersection.
    // RTL16a: new modes on an attached channel re-attach it; asked for
    // more than the capability allows, it gets the intersection.
    await narrow.setOptions({ modes: ["subscribe", "publish"] });
    assert.deepEqual(sorted(narrow.modes), ["subscribe"]);

    const pub = full.channels.get("pub-only", { modes: ["publish"] });
    await pub.attach();
    assert.deepEqual(sorted(pub.modes), ["publish"]);
  } finally {
    await closeClient(full);
    await closeClient(limited);
    await emu.close();
  }
});

Deno.test("modes: without publish no publishing, without presence no entering, without subscribe no messages", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const alice = realtimeClient(emu, { key: KEY, clientId: "alice" });
  const bob = realtimeClient(emu, { key: KEY, clientId: "bob" });
  try {
    const subOnly = alice.channels.get("modes", { modes: ["subscribe"] });
    await subOnly.attach();
    await assert.rejects(() => subOnly.publish("n", "x"), code(40160));
    await assert.rejects(() => subOnly.presence.enter("hi"), code(40160));

    const pubOnly = bob.channels.get("modes", { modes: ["publish"] });
    await pubOnly.attach();
    const bobGot: unknown[] = [];
    await pubOnly.subscribe((m) => bobGot.push(m.data));
    const aliceGot: unknown[] = [];
    await subOnly.subscribe((m) => aliceGot.push(m.data));
    await pubOnly.publish("n", "one");
    await waitFor(() => aliceGot.length === 1, 5000, "delivery to alice");
    // Delivered to the subscriber; the publish-only attachment got nothing.
    await delay(100);
    assert.deepEqual(bobGot, []);
    assert.equal(alice.connection.state, "connected");
  } finally {
    await closeClient(alice);
    await closeClient(bob);
    await emu.close();
  }
});

Deno.test("params: rewind and delta are echoed, unknown ones ignored, bad values refused; setOptions re-attaches (RTL4k, RTL16)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const client = realtimeClient(emu, { key: KEY });
  try {
    const ch = client.channels.get("params", {
      params: { rewind: "1", delta: "vcdiff" },
    });
    await ch.attach();
    assert.deepEqual(ch.params, { rewind: "1", delta: "vcdiff" });

    // RTL16a: setOptions on an attached channel resolves on the new
    // ATTACHED, whose params and modes the SDK then shows.
    await ch.setOptions({ params: { rewind: "1" }, modes: ["subscribe"] });
    assert.deepEqual(ch.params, { rewind: "1" });
    assert.deepEqual(sorted(ch.modes), ["subscribe"]);

    // Ably ignores a param it does not know: the attach works and the
    // param is not echoed.
    const unknown = client.channels.get("params2", {
      params: { "no-such-param": "1", delta: "vcdiff" },
    });
    await unknown.attach();
    assert.deepEqual(unknown.params, { delta: "vcdiff" });
    const badValue = client.channels.get("params3", {
      params: { rewind: "yesterday" },
    });
    await assert.rejects(() => badValue.attach(), code(40003));
    assert.equal(badValue.state, "failed");
    assert.equal(client.connection.state, "connected");
  } finally {
    await closeClient(client);
    await emu.close();
  }
});

Deno.test("channel names: invalid ones are refused with 40010 on attach, again on re-attach, and on publish", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const client = realtimeClient(emu, { key: KEY });
  const rest = restClient(emu);
  try {
    for (const name of ["[unterminated", "[nosuchqualifier]x", "[meta]"]) {
      const ch = client.channels.get(name);
      await assert.rejects(() => ch.attach(), code(40010));
      await assert.rejects(() => ch.attach(), code(40010));
      await assert.rejects(
        () => rest.channels.get(name).publish("n", "x"),
        code(40010),
      );
    }
    // Realtime publish without an attach is checked too.
    await assert.rejects(
      () => client.channels.get("[oops").publish("n", "x"),
      code(40010),
    );
    // The SDK refuses an empty name itself; the wire refuses it as well.
    const raw = await rawSocket(emu, `key=${KEY}&format=json&v=6`);
    try {
      raw.socket.send(JSON.stringify({ action: 10, channel: "" }));
      await waitFor(() => raw.frames.some((f) => f.action === 9), 5000, "ERR");
      const err = raw.frames.find((f) => f.action === 9)?.error as {
        code: number;
      };
      assert.equal(err.code, 40010);
    } finally {
      raw.socket.close();
      await raw.closed;
    }
    // A qualified name with params is valid and works end to end.
    const ok = client.channels.get("[?rewind=1]fine");
    await ok.attach();
    assert.equal(ok.state, "attached");
  } finally {
    await closeClient(client);
    await emu.close();
  }
});

Deno.test("params: `modes` decides the modes granted, over the modes option, and is echoed; setOptions with it re-attaches (RTL4k1, RTL4m, RTL16a)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const client = realtimeClient(emu, { key: KEY, clientId: "pm" });
  const other = realtimeClient(emu, { key: KEY, clientId: "other" });
  try {
    const params = { modes: "subscribe", delta: "vcdiff" };
    const sub = client.channels.get("pmodes", { params });
    await sub.attach();
    assert.deepEqual(sub.params, params);
    assert.deepEqual(sub.modes, ["subscribe"]);
    await assert.rejects(() => sub.publish("n", "x"), code(40160));
    await assert.rejects(() => sub.presence.enter("x"), code(40160));
    // Without presence_subscribe no presence events arrive.
    const presenceSeen: string[] = [];
    sub.presence.subscribe((m) => presenceSeen.push(m.clientId ?? ""));
    const got: unknown[] = [];
    await sub.subscribe((m) => got.push(m.data));
    await other.channels.get("pmodes").presence.enter("here");
    await other.channels.get("pmodes").publish("n", "seen");
    await waitFor(() => got.length === 1, 5000, "message");
    await delay(100);
    assert.deepEqual(presenceSeen, []);

    // params.modes wins over ChannelOptions.modes.
    const both = client.channels.get("pmodes2", {
      params: { modes: "presence,subscribe" },
      modes: ["publish", "presence_subscribe"],
    });
    await both.attach();
    assert.deepEqual(both.modes, ["presence", "subscribe"]);
    await both.presence.enter("in");
    await assert.rejects(() => both.publish("n", "x"), code(40160));

    // RTL16a: a setOptions that changes params.modes goes to the server.
    const plain = client.channels.get("pmodes3");
    await plain.attach();
    await plain.setOptions({ params: { modes: "publish" } });
    assert.deepEqual(plain.modes, ["publish"]);
    assert.deepEqual(plain.params, { modes: "publish" });
    await plain.setOptions({ params: { modes: "publish,subscribe" } });
    const back: unknown[] = [];
    await plain.subscribe((m) => back.push(m.data));
    await plain.publish("n", "own");
    await waitFor(() => back.length === 1, 5000, "own message");

    // An unknown mode name is refused as Ably refuses a bad param value.
    const bad = client.channels.get("pmodes4", {
      params: { modes: "subscribe,nosuchmode" },
    });
    await assert.rejects(() => bad.attach(), code(40003));
    assert.equal(client.connection.state, "connected");
  } finally {
    await closeClient(client);
    await closeClient(other);
    await emu.close();
  }
});

Deno.test("channel names starting with ':' are refused with 40010 on attach, twice, and on publish; the connection stays up (RTL4d, RTL6b)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const client = realtimeClient(emu, { key: KEY });
  const rest = restClient(emu);
  try {
    const ch = client.channels.get(":hell");
    await assert.rejects(() => ch.attach(), code(40010));
    assert.equal(ch.errorReason?.code, 40010);
    await assert.rejects(
      () => client.channels.get(":hell").attach(),
      code(40010),
    );
    await assert.rejects(
      () => client.channels.get(":other").publish("n", "x"),
      code(40010),
    );
    await assert.rejects(
      () => rest.channels.get(":hell").publish("n", "x"),
      code(40010),
    );
    await assert.rejects(
      () => client.channels.get("[?rewind=1]:hell").attach(),
      code(40010),
    );
    await delay(100);
    assert.equal(client.connection.state, "connected");
    // A ':' inside a name is a namespace separator, as always.
    await client.channels.get("ns:fine").attach();
  } finally {
    await closeClient(client);
    await emu.close();
  }
});

Deno.test("derived channels: only messages whose name and headers pass the filter arrive", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const publisher = realtimeClient(emu, { key: KEY });
  const client = realtimeClient(emu, { key: KEY });
  try {
    const big = client.channels.getDerived("orders", {
      filter: "headers.size > `10` && headers.kind == 'ice-cream'",
    });
    const named = client.channels.getDerived("orders", {
      filter: "name == 'refund' || headers.urgent == `true`",
    });
    const all = client.channels.get("orders");
    const gotBig: unknown[] = [];
    const gotNamed: unknown[] = [];
    const gotAll: unknown[] = [];
    await big.subscribe((m) => gotBig.push(m.data));
    await named.subscribe((m) => gotNamed.push(m.data));
    await all.subscribe((m) => gotAll.push(m.data));
    const ch = publisher.channels.get("orders");
    const send = (name: string, data: string, headers: object) =>
      ch.publish({ name, data, extras: { headers } });
    await send("sale", "small", { size: 2, kind: "ice-cream" });
    await send("sale", "large", { size: 20, kind: "ice-cream" });
    await send("refund", "back", { size: 20, kind: "sorbet" });
    await send("sale", "rush", { size: 1, urgent: true });
    await waitFor(() => gotAll.length === 4, 5000, "all four");
    await waitFor(() => gotNamed.length === 2, 5000, "named");
    await delay(50);
    assert.deepEqual(gotBig, ["large"]);
    assert.deepEqual(gotNamed, ["back", "rush"]);

    // A filter outside the subset fails the attach; the connection stays.
    const bad = client.channels.getDerived("orders", { filter: "data.x == 1" });
    await assert.rejects(() => bad.attach(), code(40010));
    assert.equal(client.connection.state, "connected");
  } finally {
    await closeClient(publisher);
    await closeClient(client);
    await emu.close();
  }
});
