/**
 * Presence beyond enter/leave, through the real ably-js SDK: a SYNC the
 * client asks for (spec RTP19: members missing from it leave), and the
 * presence limits Ably applies per channel (members 91003, presence-set
 * data 91006).
 */

import assert from "node:assert/strict";
import * as Ably from "ably";
import { startEmulator } from "./mod.ts";
import {
  closeClient,
  rawSocket,
  realtimeClient,
  waitFor,
  withTimeout,
} from "./test_helpers.ts";

const KEY = "app.full:fullsecret";

const code = (want: number) => (err: Ably.ErrorInfo) => {
  assert.equal(err.code, want, err.message);
  return true;
};

/** The SDK's own channel internals, as ably-js's suite drives them. */
interface ChannelInternals {
  processMessage(message: unknown): Promise<void>;
  sync(): void;
}

Deno.test("a SYNC the client asks for carries the current members; one missing from it leaves locally (RTP19)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const member = realtimeClient(emu, { key: KEY, clientId: "continuous" });
  const client = realtimeClient(emu, { key: KEY });
  try {
    await member.channels.get("sync").presence.enter();
    const channel = client.channels.get("sync");
    await channel.attach();
    assert.equal((await channel.presence.get()).length, 1);
    // A member the server does not have, injected as a PRESENCE frame.
    const createPM = (Ably as unknown as {
      makeProtocolMessageFromDeserialized(): (v: unknown) => unknown;
    }).makeProtocolMessageFromDeserialized();
    const internals = channel as unknown as ChannelInternals;
    await internals.processMessage(createPM({
      action: 14,
      id: "messageid:0",
      connectionId: "connid",
      timestamp: Date.now(),
      presence: [{ clientId: "gone", action: 2 }],
    }));
    assert.equal((await channel.presence.get()).length, 2);
    const left = new Promise<Ably.PresenceMessage>((resolve) =>
      channel.presence.subscribe("leave", resolve)
    );
    internals.sync();
    const leave = await withTimeout(left, 5000, "leave of the missing member");
    assert.equal(leave.clientId, "gone");
    const members = await channel.presence.get({ waitForSync: true });
    assert.deepEqual(members.map((m) => m.clientId), ["continuous"]);
    assert.equal(client.connection.state, "connected");
  } finally {
    await closeClient(member);
    await closeClient(client);
    await emu.close();
  }
});

Deno.test("a SYNC asked for on a channel without members is one empty page; on an unattached channel a channel error", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const raw = await rawSocket(emu, `key=${KEY}&format=json&v=6`);
  try {
    raw.socket.send(JSON.stringify({ action: 16, channel: "nobody" }));
    await waitFor(() => raw.frames.length === 2, 5000, "channel error");
    assert.equal(raw.frames[1].action, 9);
    assert.equal(raw.frames[1].channel, "nobody");
    raw.socket.send(JSON.stringify({ action: 10, channel: "nobody" }));
    raw.socket.send(JSON.stringify({ action: 16, channel: "nobody" }));
    await waitFor(() => raw.frames.length === 4, 5000, "sync");
    const sync = raw.frames[3];
    assert.equal(sync.action, 16);
    assert.deepEqual(sync.presence, []);
    assert.match(String(sync.channelSerial), /^[A-Za-z0-9]+:$/);
  } finally {
    raw.socket.close();
    await raw.closed;
    await emu.close();
  }
});

Deno.test("presence limits: members per channel (91003) and presence-set data (91006); the limits free up on leave", async () => {
  const emu = await startEmulator({
    keys: [KEY],
    maxPresenceMembers: 2,
    maxPresenceSetDataSize: 1000,
  });
  const client = realtimeClient(emu, { key: KEY });
  try {
    const channel = client.channels.get("crowd");
    await channel.attach();
    await channel.presence.enterClient("a", "x".repeat(400));
    await channel.presence.enterClient("b", "y".repeat(400));
    await assert.rejects(() => channel.presence.enterClient("c"), code(91003));
    // An update that would take the set past its data bound.
    await assert.rejects(
      () => channel.presence.updateClient("b", "z".repeat(700)),
      code(91006),
    );
    const data = (await channel.presence.get()).map((m) => m.data).sort();
    assert.deepEqual(data, ["x".repeat(400), "y".repeat(400)]);
    await channel.presence.leaveClient("a");
    await channel.presence.enterClient("c", "small");
    const other = client.channels.get("big");
    await other.attach();
    await assert.rejects(
      () => other.presence.enterClient("d", "w".repeat(1001)),
      code(91006),
    );
    assert.equal(client.connection.state, "connected");
  } finally {
    await closeClient(client);
    await emu.close();
  }
});
