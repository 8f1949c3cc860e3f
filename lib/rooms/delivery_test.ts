/**
 * Messages from `sendMessage` to a subscriber, through the real emulator and
 * the real `ably` SDK on both ends: published once inline, published by the
 * outbox when Ably was down, never delivered twice.
 */
import { MESSAGE_NAME, roomChannel } from "../contract/mod.ts";
import assert from "node:assert/strict";
import * as Ably from "ably";
import { ablyMessageId, publishMessage } from "./publish_message.ts";
import { canonicalCapability, pageCapability } from "../ably/capability.ts";
import {
  type Emulator,
  emulatorClientOptions,
  startEmulator,
} from "../emulator/mod.ts";
import {
  closeClient,
  realtimeClient,
  restClient,
  tokenRequestCallback,
  waitFor,
} from "../emulator/test_helpers.ts";
import { resetLogging, setupLogging } from "../platform/log.ts";
import { type JobSchedule, listJobs, startOutbox } from "../outbox/mod.ts";
import { roomAccess } from "./policy.ts";
import {
  publishJobHandler,
  sendDelete,
  sendEdit,
  sendMessage,
} from "./delivery.ts";
import type { PublishJob } from "./messages.ts";
import { user } from "./test_helpers.ts";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";
import { OutageProxy } from "../../tests/helpers/instances.ts";

const KEY = "app.server:serversecret";
const alice = user("alice", "Alice (server)");
const reader = user("reader");

interface Received {
  id: string;
  clientId: string | undefined;
  name: string | undefined;
  data: {
    id: string;
    text: string;
    name: string;
    at: number;
    version?: number;
    editedAt?: number;
    deletedAt?: number;
  };
}

/** A subscriber with a page token for the lobby, collecting what arrives. */
async function subscribe(emu: Emulator, rest: Ably.Rest) {
  const client = realtimeClient(emu, {
    authCallback: tokenRequestCallback(rest, {
      clientId: reader.id,
      capability: canonicalCapability(pageCapability(reader.id, "lobby")),
    }),
  });
  const channel = client.channels.get(roomChannel("lobby"));
  const received: Received[] = [];
  await channel.subscribe((m) => received.push(m as Received));
  return { client, channel, received };
}

async function outboxSize(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: ["outbox"] })) n++;
  return n;
}

Deno.test("sendMessage publishes once inline with the server's name and clientId; the queued job then does nothing", async () => {
  await setupLogging({ level: "warning", sink: () => {} });
  const emu = await startEmulator({ keys: [KEY] });
  const kv = await openKvWithoutQueues(":memory:");
  const rest = restClient(emu);
  const outbox = startOutbox<PublishJob>(kv, {
    publish: publishJobHandler(kv, rest),
  });
  const sub = await subscribe(emu, rest);
  try {
    const access = await roomAccess(kv, alice, "lobby");
    const schedule: JobSchedule = { delayMs: 100, backoffSchedule: [100] };
    const sent = await sendMessage(kv, rest, {
      access: access!,
      user: alice,
      text: " hello ",
      clientMessageId: "inline-01",
    }, { schedule });
    assert.equal(sent.published, true);
    assert.equal(await outboxSize(kv), 0);
    await waitFor(() => sub.received.length === 1, 5000, "inline delivery");
    const [m] = sub.received;
    assert.equal(m.id, ablyMessageId(sent.message));
    assert.equal(m.name, MESSAGE_NAME);
    assert.equal(m.clientId, alice.id);
    assert.deepEqual(m.data, {
      id: sent.message.id,
      text: "hello",
      name: "Alice (server)",
      at: sent.message.at,
    });
    // The repeat of the send is neither stored nor published again.
    const again = await sendMessage(kv, rest, {
      access: access!,
      user: alice,
      text: "hello",
      clientMessageId: "inline-01",
    }, { schedule });
    assert.deepEqual([again.created, again.published], [false, false]);
    // Past the job's delay, then a probe: anything doubled would come first.
    await new Promise((r) => setTimeout(r, 300));
    await rest.channels.get(roomChannel("lobby")).publish("probe", "p");
    await waitFor(() => sub.received.length === 2, 5000, "probe");
    assert.deepEqual(sub.received.map((r) => r.name), [MESSAGE_NAME, "probe"]);
  } finally {
    await closeClient(sub.client);
    await outbox.close();
    kv.close();
    await emu.close();
    await resetLogging();
  }
});

Deno.test("a re-publish of a delivered message is dropped by the emulator (same Ably message id)", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const kv = await openKvWithoutQueues(":memory:");
  const rest = restClient(emu);
  const sub = await subscribe(emu, rest);
  try {
    const access = await roomAccess(kv, alice, "lobby");
    const sent = await sendMessage(kv, rest, {
      access: access!,
      user: alice,
      text: "only once",
      clientMessageId: "republish-1",
    });
    assert.equal(sent.published, true);
    // As the outbox would after a lost answer: once directly, once as the job.
    await publishMessage(rest, sent.message);
    await publishJobHandler(kv, rest)({
      kind: "publish",
      roomId: "lobby",
      messageId: sent.message.id,
    });
    await rest.channels.get(roomChannel("lobby")).publish("probe", "p");
    await waitFor(() => sub.received.length >= 2, 5000, "probe");
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(sub.received.map((r) => r.name), [MESSAGE_NAME, "probe"]);
    const history = await rest.channels.get(roomChannel("lobby")).history({
      limit: 10,
    });
    assert.equal(
      history.items.filter((m) => m.name === MESSAGE_NAME).length,
      1,
    );
  } finally {
    await closeClient(sub.client);
    kv.close();
    await emu.close();
  }
});

Deno.test("never lost, never doubled: emulator down during the send, the outbox delivers once it is back on the same port", async () => {
  const records: { level: string; message: string }[] = [];
  await setupLogging({
    level: "debug",
    sink: (r) =>
      records.push({ level: r.level, message: r.message.map(String).join("") }),
  });
  let emu = await startEmulator({ keys: [KEY] });
  const port = emu.port;
  const kv = await openKvWithoutQueues(":memory:");
  const rest = restClient(emu);
  // The first queued attempt falls while the emulator is down. Once it is
  // back, attempts wait until the subscriber has re-attached: a message
  // published before that is missed by this subscriber whatever the server
  // does (the island catches up from the server's store), so the test holds
  // the publish rather than racing the SDK's reconnection.
  const schedule: JobSchedule = {
    delayMs: 100,
    backoffSchedule: [300, 300, 600, 1_000, 2_000],
  };
  const publish = publishJobHandler(kv, rest);
  let reattached: Promise<void> | undefined;
  const outbox = startOutbox<PublishJob>(kv, {
    publish: async (job: PublishJob) => {
      await reattached;
      await publish(job);
    },
  });
  const sub = await subscribe(emu, rest);
  try {
    const firstConnection = sub.client.connection.id;
    await emu.close();
    const access = await roomAccess(kv, alice, "lobby");
    const sent = await sendMessage(kv, rest, {
      access: access!,
      user: alice,
      text: "sent while down",
      clientMessageId: "while-down-1",
    }, { schedule });
    assert.equal(sent.created, true);
    assert.equal(sent.published, false, "the inline publish cannot succeed");
    assert.equal(await outboxSize(kv), 1, "stored with its job");
    // The first queued attempt fails too, and is counted.
    await waitFor(
      () =>
        records.some((r) =>
          r.level === "warning" && r.message.includes("attempt 1 of 6")
        ),
      5000,
      "first queued attempt",
    );
    const back = Promise.withResolvers<void>();
    reattached = back.promise;
    emu = await startEmulator({ keys: [KEY], port });
    try {
      await waitFor(
        () =>
          sub.client.connection.state === "connected" &&
          sub.client.connection.id !== firstConnection,
        10_000,
        "subscriber reconnect",
      );
      await waitFor(() => sub.channel.state === "attached", 5_000, "re-attach");
    } finally {
      back.resolve();
    }
    await waitFor(
      () => sub.received.length === 1,
      10_000,
      "delivery by the outbox",
    );
    assert.equal(sub.received[0].id, ablyMessageId(sent.message));
    assert.equal(sub.received[0].data.text, "sent while down");
    let left = await outboxSize(kv);
    for (let i = 0; left > 0 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      left = await outboxSize(kv);
    }
    assert.equal(left, 0, "the job is done");
    await rest.channels.get(roomChannel("lobby")).publish("probe", "p");
    await waitFor(() => sub.received.length >= 2, 5000, "probe");
    assert.deepEqual(sub.received.map((r) => r.name), [MESSAGE_NAME, "probe"]);
    assert.ok(!records.some((r) => r.level === "error"), "nothing given up");
  } finally {
    await closeClient(sub.client);
    await outbox.close();
    kv.close();
    await emu.close();
    await resetLogging();
  }
});

Deno.test("a slow Ably does not hold the send: past the inline timeout the message is left to the outbox", async () => {
  await setupLogging({ level: "warning", sink: () => {} });
  const answered = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      await request.body?.cancel();
      await new Promise((r) => setTimeout(r, 400));
      answered.resolve();
      return Response.json({ messageId: "m", serials: ["s"] }, { status: 201 });
    },
  );
  const kv = await openKvWithoutQueues(":memory:");
  const rest = new Ably.Rest({
    ...emulatorClientOptions(`http://127.0.0.1:${server.addr.port}`),
    key: KEY,
    logLevel: 0,
  });
  try {
    const access = await roomAccess(kv, alice, "lobby");
    const started = Date.now();
    const sent = await sendMessage(kv, rest, {
      access: access!,
      user: alice,
      text: "slow",
      clientMessageId: "slow-ably-1",
    }, { inlineTimeoutMs: 100 });
    assert.ok(Date.now() - started < 350, "the send did not wait for Ably");
    assert.deepEqual([sent.created, sent.published], [true, false]);
    assert.equal(await outboxSize(kv), 1, "the outbox still holds the job");
    await answered.promise;
  } finally {
    kv.close();
    await server.shutdown();
    await resetLogging();
  }
});

Deno.test("an edit made while Ably is unreachable reaches the subscriber once it is back, once; the delete after it too, and no version twice", async () => {
  await setupLogging({ level: "error", sink: () => {} });
  const emu = await startEmulator({ keys: [KEY] });
  // The server reaches Ably through the proxy; the subscriber does not, so
  // it stays attached while the server's way is cut.
  const proxy = new OutageProxy(emu.port);
  const kv = await openKvWithoutQueues(":memory:");
  const rest = new Ably.Rest({
    ...emulatorClientOptions(proxy.url),
    key: KEY,
    logLevel: 0,
  });
  const schedule: JobSchedule = {
    delayMs: 100,
    backoffSchedule: [200, 400, 800, 1_600],
  };
  const outbox = startOutbox<PublishJob>(kv, {
    publish: publishJobHandler(kv, rest),
  }, { pollMs: 50 });
  const sub = await subscribe(emu, restClient(emu));
  try {
    const access = (await roomAccess(kv, alice, "lobby"))!;
    const sent = await sendMessage(kv, rest, {
      access,
      user: alice,
      text: "helo",
      clientMessageId: "edit-down-1",
    }, { schedule });
    assert.equal(sent.published, true);
    await waitFor(() => sub.received.length === 1, 5000, "the post");

    proxy.mode = "refuse";
    const edited = await sendEdit(kv, rest, {
      access,
      user: alice,
      messageId: sent.message.id,
      text: "hello",
    }, { schedule, inlineTimeoutMs: 500 });
    assert.equal(edited.published, false, "Ably was unreachable");
    assert.equal(edited.message.version, 1);
    // Its queued attempts fail too, until Ably is back.
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(sub.received.length, 1);
    proxy.mode = "pass";
    await waitFor(() => sub.received.length === 2, 5000, "the edit");
    const deleted = await sendDelete(kv, rest, {
      access,
      user: alice,
      messageId: sent.message.id,
    }, { schedule });
    assert.equal(deleted.published, true);
    await waitFor(() => sub.received.length === 3, 5000, "the delete");
    // A late job of an older version publishes the current state under
    // that state's id: dropped.
    await publishJobHandler(kv, rest)({
      kind: "publish",
      roomId: "lobby",
      messageId: sent.message.id,
    });
    await new Promise((r) => setTimeout(r, 300));
    await rest.channels.get(roomChannel("lobby")).publish("probe", "p");
    await waitFor(() => sub.received.length >= 4, 5000, "probe");
    assert.deepEqual(
      sub.received.map((r) => [r.id, r.data?.text, r.data?.version]),
      [
        [ablyMessageId(sent.message), "helo", undefined],
        [ablyMessageId(edited.message), "hello", 1],
        [ablyMessageId(deleted.message), "", 2],
        [sub.received[3].id, undefined, undefined],
      ],
    );
    assert.equal(sub.received[1].data.editedAt, edited.message.editedAt);
    assert.equal(sub.received[2].data.deletedAt, deleted.message.deletedAt);
    assert.notEqual(ablyMessageId(sent.message), ablyMessageId(edited.message));
    assert.deepEqual((await listJobs(kv)).length, 0, "every job done");
  } finally {
    await closeClient(sub.client);
    await outbox.close();
    kv.close();
    await proxy.close();
    await emu.close();
    await resetLogging();
  }
});
