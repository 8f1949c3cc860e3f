/**
 * What the room counts add to a render of `/` (`roomOccupancy`,
 * `lib/ably/occupancy.ts`): one batch presence request for 100 rooms
 * against the local emulator, ten of them with people in, by the server's
 * key client in its default msgpack and in JSON. Loopback only: against
 * Ably the network round trip dominates, which is why the page gives the
 * read a deadline rather than trusting this number.
 *
 * The emulator and clients stay up until the process ends.
 *
 * Run: `deno bench -A bench/occupancy_bench.ts`.
 */
import * as Ably from "ably";
import { roomOccupancy } from "../lib/ably/mod.ts";
import { emulatorClientOptions, startEmulator } from "../lib/emulator/mod.ts";

const KEY = "bench.occupancy:occupancybenchsecret";
const emu = await startEmulator({ keys: [KEY] });
const ids = Array.from(
  { length: 100 },
  (_, i) =>
    i === 0
      ? "lobby"
      : "a".repeat(14) + String.fromCharCode(97 + (i >> 4), 97 + (i & 15)),
);
const people = Array.from({ length: 10 }, (_, i) =>
  new Ably.Realtime({
    ...emulatorClientOptions(emu.url),
    key: KEY,
    clientId: `person-${i}`,
    logLevel: 0,
  }));
await Promise.all(
  people.map((p, i) => p.channels.get(`room:${ids[i * 10]}`).presence.enter()),
);
const rest = (useBinaryProtocol: boolean) =>
  new Ably.Rest({
    ...emulatorClientOptions(emu.url),
    key: KEY,
    useBinaryProtocol,
    logLevel: 0,
  });
const msgpack = rest(true);
const json = rest(false);
/** One read, refused if it lost counts: a failed read is fast, not cheap. */
async function counted(client: Ably.Rest): Promise<void> {
  const counts = await roomOccupancy(client, ids, { deadlineMs: 5_000 });
  if (counts.size !== 100 || counts.get("lobby") !== 1) {
    throw new Error(`unexpected counts: ${[...counts]}`);
  }
}

Deno.bench("roomOccupancy, 100 rooms, msgpack", {
  group: "occupancy",
  baseline: true,
}, async () => {
  await counted(msgpack);
});

Deno.bench(
  "roomOccupancy, 100 rooms, JSON",
  { group: "occupancy" },
  async () => {
    await counted(json);
  },
);
