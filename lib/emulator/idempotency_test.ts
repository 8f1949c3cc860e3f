import assert from "node:assert/strict";
import { startEmulator } from "./mod.ts";
import {
  closeClient,
  realtimeClient,
  restClient,
  waitFor,
} from "./test_helpers.ts";

Deno.test("a re-published message id is dropped for two minutes, however many messages came between (RSL1k)", async () => {
  // A history of 10: the ids must outlive it, as they outlive Ably's.
  const emu = await startEmulator({ historyLimit: 10 });
  const rest = restClient(emu);
  const sub = realtimeClient(emu, { key: emu.keys[0] });
  try {
    const seen: string[] = [];
    await sub.channels.get("room:busy").subscribe((m) => void seen.push(m.id!));
    const channel = rest.channels.get("room:busy");
    for (let i = 0; i < 25; i++) {
      await channel.publish({
        id: `busy.${i}:0`,
        name: "message",
        data: `m${i}`,
      });
    }
    await waitFor(() => seen.length === 25, 5_000, "25 messages");
    // The outbox retrying the first message, 24 messages later.
    await channel.publish({ id: "busy.0:0", name: "message", data: "m0" });
    await channel.publish({ id: "busy.25:0", name: "message", data: "m25" });
    await waitFor(() => seen.includes("busy.25:0"), 5_000, "the next one");
    assert.equal(seen.filter((id) => id === "busy.0:0").length, 1);
  } finally {
    await closeClient(sub);
    await emu.close();
  }
});
