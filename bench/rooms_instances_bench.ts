/**
 * `deno task bench:rooms:instances`: rooms as Deno Deploy runs them — three
 * app processes on one KV file, one Ably emulator, messages posted through
 * all three over HTTP (`POST /api/rooms/lobby/messages`) at a steady rate,
 * and subscribers on the emulator timing each message from its POST to
 * their screen. Three phases:
 *
 * - `steady`: nothing goes wrong;
 * - `kill`: one process is killed with SIGKILL halfway, the others take
 *   the posts and whatever outbox jobs it held;
 * - `outage`: Ably is unreachable for the apps (connections refused) for
 *   `--outage` seconds halfway; the outbox delivers what the inline
 *   publishes missed. Reports the delay from "Ably is back" to "all
 *   delivered" with the default outbox settings (2 s poll).
 *
 * Each phase counts lost (stored but never seen by a subscriber) and
 * doubled (seen twice by one subscriber) messages. Writes
 * `bench/results/rooms_instances.json`. Flags: `--rate` (messages a second,
 * 100), `--seconds` (per phase, 10), `--subscribers` (10), `--outage` (5).
 */
import * as Ably from "ably";
import { parseArgs } from "node:util";
import { roomChannel } from "../lib/contract/mod.ts";
import { emulatorClientOptions } from "../lib/emulator/mod.ts";
import { openKv } from "../lib/platform/kv.ts";
import type { ChildApp } from "../tests/hardening_helpers.ts";
import { startInstances } from "../tests/helpers/instances.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "10" },
    subscribers: { type: "string", default: "10" },
    outage: { type: "string", default: "5" },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SUBSCRIBERS = Number(values.subscribers);
const OUTAGE_S = Number(values.outage);
const RESULTS = new URL("./results/rooms_instances.json", import.meta.url);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

let counter = 0;

async function phase(name: "steady" | "kill" | "outage") {
  await using cluster = await startInstances(3, {
    MESSAGE_RATE_LIMIT_PER_MIN: "0",
  });
  const session = await cluster.signIn(cluster.apps[0], `bench-${name}`);
  const subscribers = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, async () => {
      const client = new Ably.Realtime({
        ...emulatorClientOptions(cluster.emulator.url),
        key: cluster.key,
        logLevel: 0,
      });
      const seen = new Map<string, number[]>();
      await client.channels.get(roomChannel("lobby")).subscribe(
        "message",
        (m) => {
          const at = seen.get(m.data.id) ?? [];
          at.push(performance.now());
          seen.set(m.data.id, at);
        },
      );
      return { client, seen };
    }),
  );
  const alive = new Set<ChildApp>(cluster.apps);
  const posted = new Map<string, number>();
  let failedPosts = 0;
  let backAt: number | undefined;
  const halfway = SECONDS * 500;
  const fault = (async () => {
    await sleep(halfway);
    if (name === "kill") {
      const victim = cluster.apps[1];
      alive.delete(victim);
      await victim.stop("SIGKILL");
    } else if (name === "outage") {
      cluster.proxy.mode = "refuse";
      await sleep(OUTAGE_S * 1000);
      cluster.proxy.mode = "pass";
      backAt = performance.now();
    }
  })();

  const started = performance.now();
  const total = RATE * SECONDS;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const apps = [...alive];
    const app = apps[i % apps.length];
    const sentAt = performance.now();
    inFlight.push(
      fetch(`${app.url}/api/rooms/lobby/messages`, {
        method: "POST",
        headers: {
          cookie: `session=${session}`,
          origin: app.url,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          text: `bench ${i}`,
          id: `bench-${name}-${++counter}-x`,
        }),
      }).then(async (response) => {
        const body = await response.json();
        if (response.status === 201) posted.set(body.message.id, sentAt);
        else failedPosts++;
      }, () => {
        // The process was killed under this request: the post is unanswered
        // and, if it was stored, still counted below from KV's side.
        failedPosts++;
      }),
    );
  }
  await Promise.all(inFlight);
  const sendSeconds = (performance.now() - started) / 1000;
  await fault;

  // What KV holds is the truth: a post whose process died before it
  // answered may still be stored, and must be delivered too.
  const kv = await openKv(cluster.kvPath);
  const stored: string[] = [];
  try {
    for await (const entry of kv.list({ prefix: ["messages", "lobby"] })) {
      stored.push(entry.key[2] as string);
    }
  } finally {
    kv.close();
  }
  const unanswered = stored.filter((id) => !posted.has(id));
  // Wait for everything stored to reach every subscriber (bounded).
  const deadline = performance.now() + 60_000;
  const allSeen = () =>
    subscribers.every(({ seen }) => stored.every((id) => seen.has(id)));
  while (!allSeen() && performance.now() < deadline) await sleep(50);
  const allDeliveredAt = performance.now();
  await sleep(1_000);

  const latencies: number[] = [];
  let lost = 0;
  let doubled = 0;
  for (const { seen } of subscribers) {
    for (const id of stored) {
      const at = seen.get(id);
      const sentAt = posted.get(id);
      if (!at) lost++;
      else {
        if (sentAt !== undefined) latencies.push(at[0] - sentAt);
        if (at.length > 1) doubled++;
      }
    }
  }
  latencies.sort((a, b) => a - b);
  await Promise.all(subscribers.map(async ({ client }) => {
    const closed = client.connection.whenState("closed");
    client.close();
    await Promise.race([closed, sleep(3_000)]);
  }));
  return {
    phase: name,
    posted: posted.size,
    failedPosts,
    storedUnanswered: unanswered.length,
    sustainedPerSecond: Math.round(posted.size / sendSeconds),
    postToScreenMs: {
      p50: Math.round(percentile(latencies, 0.5)),
      p99: Math.round(percentile(latencies, 0.99)),
      max: Math.round(latencies.at(-1) ?? NaN),
    },
    lost,
    doubled,
    ...(backAt === undefined ? {} : {
      ablyBackToAllDeliveredMs: Math.round(allDeliveredAt - backAt),
    }),
  };
}

const results = [];
for (const name of ["steady", "kill", "outage"] as const) {
  const result = await phase(name);
  console.log(JSON.stringify(result));
  results.push(result);
}
await Deno.writeTextFile(
  RESULTS,
  JSON.stringify(
    {
      measuredAt: new Date().toISOString(),
      machine: `${navigator.hardwareConcurrency} cores`,
      instances: 3,
      rate: RATE,
      secondsPerPhase: SECONDS,
      subscribers: SUBSCRIBERS,
      outageSeconds: OUTAGE_S,
      results,
    },
    null,
    2,
  ) + "\n",
);
