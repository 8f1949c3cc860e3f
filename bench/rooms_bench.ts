/**
 * Messages through the server, end to end on loopback: 20 senders post to
 * the lobby through `sendMessage` (KV commit with its outbox job, then the
 * inline REST publish), 50 subscribers — real `ably` SDK realtime clients
 * with page tokens (`pageCapability`) — receive them from the emulator.
 *
 * - Phase "steady": ~200 messages/s for 30 s.
 * - Phase "outage": the same, with the emulator stopped for 10 s in the
 *   middle and restarted on the same port; messages sent meanwhile are
 *   stored and reach Ably through the KV queue (`lib/outbox/`).
 *
 * Each phase waits for the outbox to drain, then counts per subscriber what
 * was lost (stored but never received) and duplicated (received twice), and
 * the delivery latency (receipt minus the message's `at`, one process, one
 * clock). Results go to `bench/results/rooms.json`; they are read, not
 * asserted. Senders call the library directly; `send` is the one function
 * to change to go through HTTP instead.
 *
 * Run: `deno task bench:rooms [-- --seconds 30 --rate 200]`.
 */
import { roomChannel } from "../lib/contract/mod.ts";
import * as Ably from "ably";
import { canonicalCapability, pageCapability } from "../lib/ably/capability.ts";
import { publishJobHandler, sendMessage } from "../lib/rooms/delivery.ts";
import { listMessages, type PublishJob } from "../lib/rooms/messages.ts";
import { saveUser } from "../lib/rooms/users.ts";
import {
  type Emulator,
  emulatorClientOptions,
  startEmulator,
} from "../lib/emulator/mod.ts";
import { resetLogging, setupLogging } from "../lib/platform/log.ts";
import { DEFAULT_SCHEDULE, startOutbox } from "../lib/outbox/mod.ts";
import { roomAccess } from "../lib/rooms/policy.ts";
import { numberArgs } from "./args.ts";

const args = numberArgs();
const SENDERS = args.get("senders") ?? 20;
const SUBSCRIBERS = args.get("subscribers") ?? 50;
const RATE = args.get("rate") ?? 200;
const SECONDS = args.get("seconds") ?? 30;
const OUTAGE_SECONDS = args.get("outage") ?? 10;
/** Longest wait for the outbox to drain after a phase: the queue's whole retry window. */
const DRAIN_LIMIT_MS = 120_000;
const KEY = "bench.rooms:benchroomssecret";
const RESULTS = new URL("./results/rooms.json", import.meta.url);
const ROOM = "lobby";

interface Received {
  id: string;
  at: number;
  receivedAt: number;
  /** Fetched from KV after a re-attach that lost continuity, not from the wire. */
  caughtUp?: boolean;
}

const warnings = { count: 0, errors: 0 };
await setupLogging({
  level: "warning",
  sink: (r) => r.level === "error" ? warnings.errors++ : warnings.count++,
});

const dir = await Deno.makeTempDir({ prefix: "rooms_bench_" });
const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
let emu: Emulator = await startEmulator({
  keys: [KEY],
  maxConnections: SUBSCRIBERS + 20,
});
const port = emu.port;
const clientOptions = emulatorClientOptions(emu.url);
const rest = new Ably.Rest({ ...clientOptions, key: KEY, logLevel: 0 });
const outbox = startOutbox<PublishJob>(kv, {
  publish: publishJobHandler(kv, rest),
});

const senders = Array.from({ length: SENDERS }, (_, i) => ({
  id: `bench:sender${i}`,
  login: `sender${i}`,
  name: `Sender ${i}`,
  provider: "bench",
}));
for (const s of senders) await saveUser(kv, s);
const accesses = await Promise.all(senders.map((s) => roomAccess(kv, s, ROOM)));

/** One send; the only thing to change to go through `POST /api/rooms/…/messages`. */
async function send(i: number, text: string, clientMessageId: string) {
  const sender = senders[i % SENDERS];
  return await sendMessage(kv, rest, {
    access: accesses[i % SENDERS]!,
    user: sender,
    text,
    clientMessageId,
  });
}

const subscribers: {
  client: Ably.Realtime;
  channel: Ably.RealtimeChannel;
  received: Received[];
}[] = [];
for (let i = 0; i < SUBSCRIBERS; i++) {
  const userId = `bench:reader${i}`;
  const client = new Ably.Realtime({
    ...clientOptions,
    logLevel: 0,
    disconnectedRetryTimeout: 300,
    suspendedRetryTimeout: 500,
    authCallback: (_params, callback) => {
      rest.auth.createTokenRequest({
        clientId: userId,
        capability: canonicalCapability(pageCapability(userId, ROOM)),
      }).then((r) => callback(null, r), (e) => callback(e, null));
    },
  });
  const received: Received[] = [];
  const channel = client.channels.get(roomChannel(ROOM));
  await channel.subscribe("message", (m) => {
    received.push({ id: m.data.id, at: m.data.at, receivedAt: Date.now() });
  });
  const access = await roomAccess(kv, { id: userId }, ROOM);
  // What the island is to do when a re-attach lost continuity (RTL2f,
  // `resumed: false`): fetch from the server's store what it may have missed.
  channel.on("attached", (change) => {
    if (change.resumed || received.length === 0) return;
    catchUps++;
    const since = received.reduce((a, r) => r.id > a ? r.id : a, "");
    catchUp(access!, since, received).catch(() => catchUpErrors++);
  });
  subscribers.push({ client, channel, received });
}

let catchUps = 0;
let catchUpErrors = 0;

/** Pages back from the newest message to `since`, adding what was missed. */
async function catchUp(
  access: NonNullable<Awaited<ReturnType<typeof roomAccess>>>,
  since: string,
  received: Received[],
): Promise<void> {
  let before: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page = await listMessages(kv, access, { before, limit: 100 });
    const now = Date.now();
    for (const m of page.messages) {
      if (m.id > since) {
        received.push({ id: m.id, at: m.at, receivedAt: now, caughtUp: true });
      }
    }
    if (page.next === null || page.messages[0].id <= since) return;
    before = page.next;
  }
}

async function outboxSize(): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: ["outbox"] })) n++;
  return n;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function phase(name: string, outage: boolean) {
  for (const s of subscribers) s.received.length = 0;
  catchUps = 0;
  catchUpErrors = 0;
  const stored = new Set<string>();
  let inlineFailed = 0;
  let sendErrors = 0;
  const pending = new Set<Promise<void>>();
  const start = Date.now();
  const total = RATE * SECONDS;
  let sent = 0;
  let outageStartedAt: number | null = null;
  let outageEndedAt: number | null = null;
  const outageAt = start + (SECONDS - OUTAGE_SECONDS) * 500;
  const outageTask = outage
    ? (async () => {
      await new Promise((r) => setTimeout(r, outageAt - Date.now()));
      outageStartedAt = Date.now();
      await emu.close();
      await new Promise((r) => setTimeout(r, OUTAGE_SECONDS * 1000));
      emu = await startEmulator({
        keys: [KEY],
        port,
        maxConnections: SUBSCRIBERS + 20,
      });
      outageEndedAt = Date.now();
    })()
    : Promise.resolve();
  // Paced by the clock, not by replies: a slow reply does not slow the senders.
  while (sent < total) {
    const due = Math.min(
      total,
      Math.floor(((Date.now() - start) / 1000) * RATE),
    );
    for (; sent < due; sent++) {
      const n = sent;
      const p = send(n, `${name} message ${n}`, `${name}-${n}-xxxxxxxx`).then(
        (r) => {
          stored.add(r.message.id);
          if (!r.published) inlineFailed++;
        },
        () => void sendErrors++,
      ).finally(() => pending.delete(p));
      pending.add(p);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  await outageTask;
  const sendingMs = Date.now() - start;
  // Drain: the outbox empty, then a moment for the last fan-out.
  const drainStart = Date.now();
  while ((await outboxSize()) > 0 && Date.now() - drainStart < DRAIN_LIMIT_MS) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const outboxLeft = await outboxSize();
  await new Promise((r) => setTimeout(r, 1000));
  const drainMs = Date.now() - drainStart;

  let lost = 0;
  let lostAfterCatchUp = 0;
  let duplicated = 0;
  let caughtUp = 0;
  const latencies: number[] = [];
  const lostPerSubscriber: number[] = [];
  for (const s of subscribers) {
    // On the wire: what Ably (the emulator) delivered, counted per id.
    const wire = new Map<string, number>();
    // After the island's de-duplication by id, catch-ups included.
    const shown = new Map<string, Received>();
    for (const r of s.received) {
      if (!r.caughtUp) wire.set(r.id, (wire.get(r.id) ?? 0) + 1);
      if (!shown.has(r.id)) {
        shown.set(r.id, r);
        if (r.caughtUp) caughtUp++;
        latencies.push(r.receivedAt - r.at);
      }
    }
    let mine = 0;
    for (const id of stored) {
      if (!wire.has(id)) mine++;
      if (!shown.has(id)) lostAfterCatchUp++;
    }
    lost += mine;
    lostPerSubscriber.push(mine);
    for (const count of wire.values()) duplicated += count - 1;
  }
  latencies.sort((a, b) => a - b);
  const result = {
    messagesSent: total,
    messagesStored: stored.size,
    sendErrors,
    inlinePublishFailed: inlineFailed,
    sendingSeconds: Math.round(sendingMs / 100) / 10,
    achievedRatePerSecond: Math.round(total / (sendingMs / 1000)),
    drainSeconds: Math.round(drainMs / 100) / 10,
    outboxLeftAfterDrain: outboxLeft,
    expectedDeliveries: stored.size * SUBSCRIBERS,
    /** Messages shown, counting those fetched by catch-up. */
    deliveries: latencies.length,
    /** Stored but never received on the wire. */
    lost,
    /** Received on the wire more than once (the same Ably message id). */
    lostBySubscriber: {
      max: Math.max(...lostPerSubscriber),
      min: Math.min(...lostPerSubscriber),
    },
    duplicated,
    catchUps: {
      reattachesWithoutContinuity: catchUps,
      errors: catchUpErrors,
      messagesRecovered: caughtUp,
    },
    /** Stored but neither received nor recovered: what a reader would never see. */
    lostAfterCatchUp,
    /** From posting to shown (wire or catch-up), over messages shown. */
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? NaN,
    },
    outage: outage
      ? {
        seconds: OUTAGE_SECONDS,
        stoppedAtSecond: Math.round(((outageStartedAt ?? 0) - start) / 100) /
          10,
        restartedAtSecond: Math.round(((outageEndedAt ?? 0) - start) / 100) /
          10,
      }
      : undefined,
  };
  console.log(name, JSON.stringify(result));
  return result;
}

try {
  const loadAverage = await Deno.readTextFile("/proc/loadavg").then(
    (t) => t.split(" ").slice(0, 3).map(Number),
    () => null,
  );
  const steady = await phase("steady", false);
  const outage = await phase("outage", true);
  const results = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    loadAverage,
    senders: SENDERS,
    subscribers: SUBSCRIBERS,
    targetRatePerSecond: RATE,
    seconds: SECONDS,
    kv: "SQLite file (temporary folder)",
    outboxSchedule: DEFAULT_SCHEDULE,
    logged: warnings,
    steady,
    outage,
  };
  await Deno.writeTextFile(RESULTS, JSON.stringify(results, null, 2) + "\n");
  console.log(`written to ${RESULTS.pathname}`);
} finally {
  await Promise.all(subscribers.map(async ({ client }) => {
    if (
      client.connection.state === "closed" ||
      client.connection.state === "failed"
    ) return;
    const closed = client.connection.whenState("closed");
    client.close();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 3000))]);
  }));
  await outbox.close();
  kv.close();
  await emu.close();
  await Deno.remove(dir, { recursive: true });
  await resetLogging();
}
