import assert from "node:assert/strict";
import type * as Ably from "ably";
import { type Emulator, startEmulator } from "./mod.ts";
import {
  closeClient,
  realtimeClient,
  restClient,
  signAblyJwt,
  tokenRequestCallback,
  waitFor,
} from "./test_helpers.ts";

const KEY = "app.full:fullsecret";

type Mode = "tokenRequest" | "tokenDetails" | "jwt";

function authCallbackFor(
  emu: Emulator,
  mode: Mode,
  clientId: string,
): Ably.ClientOptions["authCallback"] {
  const rest = restClient(emu);
  if (mode === "tokenRequest") return tokenRequestCallback(rest, { clientId });
  if (mode === "tokenDetails") {
    return (_p, cb) => {
      rest.auth.requestToken({ clientId }).then(
        (d) => cb(null, d),
        (e) => cb(e, null),
      );
    };
  }
  return (_p, cb) => {
    const now = Math.floor(Date.now() / 1000);
    cb(
      null,
      signAblyJwt(KEY, {
        iat: now,
        exp: now + 600,
        "x-ably-capability": '{"*":["*"]}',
        "x-ably-clientId": clientId,
      }),
    );
  };
}

for (const mode of ["tokenRequest", "tokenDetails", "jwt"] as const) {
  Deno.test(`authCallback with a ${mode}: connect, attach, publish, receive in order`, async () => {
    const emu = await startEmulator({ keys: [KEY] });
    const alice = realtimeClient(emu, {
      authCallback: authCallbackFor(emu, mode, "alice"),
    });
    const bob = realtimeClient(emu, {
      authCallback: authCallbackFor(emu, mode, "bob"),
    });
    try {
      await alice.connection.whenState("connected");
      await bob.connection.whenState("connected");
      // RSA7: the identity is the token's.
      assert.equal(alice.auth.clientId, "alice");
      const got: Array<[string | undefined, unknown]> = [];
      const channel = alice.channels.get("room");
      await channel.subscribe((m) => got.push([m.clientId, m.data]));
      const bobChannel = bob.channels.get("room");
      await bobChannel.attach();
      await channel.publish("n", "m1");
      await bobChannel.publish("n", "m2");
      await channel.publish("n", "m3");
      await bobChannel.publish("n", "m4");
      await waitFor(() => got.length === 4, 5000, "four messages");
      assert.deepEqual(got, [
        ["alice", "m1"],
        ["bob", "m2"],
        ["alice", "m3"],
        ["bob", "m4"],
      ]);
    } finally {
      await closeClient(alice);
      await closeClient(bob);
      await emu.close();
    }
  });
}

Deno.test("presence: both members seen by both; a closed client leaves", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const alice = realtimeClient(emu, {
    authCallback: authCallbackFor(emu, "tokenRequest", "alice"),
  });
  const bob = realtimeClient(emu, {
    authCallback: authCallbackFor(emu, "tokenRequest", "bob"),
  });
  try {
    const a = alice.channels.get("lobby");
    const b = bob.channels.get("lobby");
    await a.presence.enter({ mood: "fine" });
    await b.presence.enter();
    const ids = async (ch: Ably.RealtimeChannel) =>
      (await ch.presence.get()).map((m) => m.clientId).sort();
    assert.deepEqual(await ids(a), ["alice", "bob"]);
    assert.deepEqual(await ids(b), ["alice", "bob"]);
    const aliceSeen = (await b.presence.get()).find((m) =>
      m.clientId === "alice"
    );
    assert.deepEqual(aliceSeen?.data, { mood: "fine" });
    // RSP3: the REST view of the same set.
    const viaRest = await restClient(emu).channels.get("lobby").presence.get();
    assert.deepEqual(viaRest.items.map((m) => m.clientId).sort(), [
      "alice",
      "bob",
    ]);

    const left: string[] = [];
    await a.presence.subscribe("leave", (m) => left.push(m.clientId ?? ""));
    await closeClient(bob);
    await waitFor(() => left.length === 1, 5000, "leave");
    assert.deepEqual(left, ["bob"]);
    assert.deepEqual(await ids(a), ["alice"]);
  } finally {
    await closeClient(alice);
    await closeClient(bob);
    await emu.close();
  }
});

Deno.test("capability: room:a token cannot attach room:b nor publish subscribe-only; stays usable", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const rest = restClient(emu);
  const client = realtimeClient(emu, {
    authCallback: tokenRequestCallback(rest, {
      clientId: "dana",
      capability: {
        "room:a": ["subscribe", "publish"],
        "room:ro": ["subscribe"],
      },
    }),
  });
  try {
    await assert.rejects(
      () => client.channels.get("room:b").attach(),
      (err: Ably.ErrorInfo) => err.code === 40160,
    );
    const ro = client.channels.get("room:ro");
    await ro.attach();
    await assert.rejects(
      () => ro.publish("x", "nope"),
      (err: Ably.ErrorInfo) => err.code === 40160,
    );
    // The connection survives refusals: room:a still works end to end.
    const a = client.channels.get("room:a");
    const got: unknown[] = [];
    await a.subscribe((m) => got.push(m.data));
    await a.publish("x", "yes");
    await waitFor(() => got.length === 1, 5000, "own message");
    assert.equal(client.connection.state, "connected");
  } finally {
    await closeClient(client);
    await emu.close();
  }
});

Deno.test("echo=false suppresses own messages; rewind replays history on attach", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const quiet = realtimeClient(emu, {
    key: KEY,
    clientId: "q",
    echoMessages: false,
  });
  const late = realtimeClient(emu, {
    key: KEY,
    clientId: "late",
    autoConnect: false,
  });
  try {
    const got: unknown[] = [];
    const ch = quiet.channels.get("echo");
    await ch.subscribe((m) => got.push(m.data));
    await ch.publish("x", "one");
    await ch.publish("x", "two");
    late.connect();
    const replayed: unknown[] = [];
    const lateCh = late.channels.get("echo", { params: { rewind: "2" } });
    await lateCh.subscribe((m) => replayed.push(m.data));
    await waitFor(() => replayed.length === 2, 5000, "rewind");
    assert.deepEqual(replayed, ["one", "two"]);
    assert.deepEqual(got, []);
  } finally {
    await closeClient(quiet);
    await closeClient(late);
    await emu.close();
  }
});
