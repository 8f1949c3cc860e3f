import assert from "node:assert/strict";
import type * as Ably from "ably";
import { startEmulator } from "../emulator/mod.ts";
import { restClient } from "../emulator/test_helpers.ts";
import { recentMessages } from "./history.ts";

Deno.test("recentMessages returns the room's last messages, oldest first, room messages only", async () => {
  const emu = await startEmulator();
  try {
    const rest = restClient(emu);
    const channel = rest.channels.get("room:lobby");
    for (let i = 1; i <= 5; i++) {
      await channel.publish({
        name: "message",
        clientId: "embedded:alice",
        data: { text: `m${i}`, name: "alice" },
      });
    }
    await channel.publish("notice", { text: "not a room message" });
    const messages = await recentMessages(rest, "room:lobby", { limit: 4 });
    assert.deepEqual(messages.map((m) => m.text), ["m3", "m4", "m5"]);
    assert.ok(messages.every((m) => m.clientId === "embedded:alice"));
    assert.deepEqual(await recentMessages(rest, "room:empty"), []);
  } finally {
    await emu.close();
  }
});

/** A REST client whose history answers with `history()`. */
function restWith(history: () => Promise<unknown>): Ably.Rest {
  return { channels: { get: () => ({ history }) } } as unknown as Ably.Rest;
}

Deno.test("recentMessages gives up after the timeout: the page renders without history", async () => {
  const t0 = performance.now();
  const messages = await recentMessages(
    restWith(() => new Promise(() => {})),
    "room:lobby",
    { timeoutMs: 50 },
  );
  assert.deepEqual(messages, []);
  assert.ok(performance.now() - t0 < 1_000);
});

Deno.test("recentMessages turns a failure, early or late, into no history", async () => {
  assert.deepEqual(
    await recentMessages(
      restWith(() => Promise.reject(new Error("down"))),
      "room:lobby",
    ),
    [],
  );
  let fail: (e: Error) => void = () => {};
  const late = new Promise((_, reject) => fail = reject);
  assert.deepEqual(
    await recentMessages(restWith(() => late), "room:lobby", { timeoutMs: 10 }),
    [],
  );
  // Rejecting after the race is lost must not be an unhandled rejection.
  fail(new Error("late"));
  await new Promise((resolve) => setTimeout(resolve, 0));
});
